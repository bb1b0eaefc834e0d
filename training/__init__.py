"""Training, evaluation and export of the project's emotion model."""

import os

# TensorFlow leaves its oneDNN kernels off by default on CPUs without AVX-512, such as the AMD
# EPYC machines this project also trains on: there vgg-d trained at 43 images a second without
# them and 106 with them (`benchmarks/train_throughput.py`). It is read when TensorFlow loads,
# so it is set here, before any training module imports Keras. An explicit setting wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
