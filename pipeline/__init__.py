"""Image -> faces -> emotions -> mood -> tracks."""
