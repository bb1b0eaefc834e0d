"""Training, evaluation and export of the project's emotion model."""
