"""Putting the app on a Hugging Face Space (`python -m deploy.space --help`); never sent there."""
