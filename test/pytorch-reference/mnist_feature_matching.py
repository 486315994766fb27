"""The paper's MNIST feature-matching script (openai/improved-gan, mnist_svhn_cifar10/train_mnist_feature_matching.py)
in PyTorch, as a speed reference for Microsoft.ML.Gan: the same networks, losses, batches and optimiser, 600 steps per
epoch. It prints seconds per epoch, the test error of the averaged and of the current discriminator after each epoch, and a matrix
multiply of the MLP's largest layer timed in the same process, and writes them to docs/benchmarks/pytorch-reference.md.
Usage (docs/performance.md):

    /usr/bin/python3 test/pytorch-reference/mnist_feature_matching.py --data ../shared/data/mnist --epochs 3 --threads 2
"""
import argparse
import ctypes
import datetime
import gzip
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class WeightNormDense(torch.nn.Module):
    """y = (x v^T) * g / ||v|| + b, v ~ N(0, 0.05^2) as in the official code's DenseLayer with weight norm."""

    def __init__(self, inputs, outputs, train_scale):
        super().__init__()
        self.v = torch.nn.Parameter(torch.randn(outputs, inputs) * 0.05)
        self.g = torch.nn.Parameter(torch.ones(outputs), requires_grad=train_scale)
        self.b = torch.nn.Parameter(torch.zeros(outputs))

    def forward(self, x):
        return (x @ self.v.t()) * (self.g / self.v.norm(dim=1)) + self.b

    def initialize(self, x):
        with torch.no_grad():
            y = (x @ self.v.t()) / self.v.norm(dim=1)
            mean, std = y.mean(0), y.std(0, unbiased=False)
            self.g.copy_(1 / std)
            self.b.copy_(-mean / std)
            return (y - mean) / std


class Discriminator(torch.nn.Module):
    sizes = [784, 1000, 500, 250, 250, 250]

    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.ModuleList(WeightNormDense(a, b, False) for a, b in zip(self.sizes, self.sizes[1:]))
        self.output = WeightNormDense(250, 10, True)

    def features(self, x):
        x = x + 0.3 * torch.randn_like(x)
        for layer in self.hidden:
            x = F.relu(layer(x))
            x = x + 0.5 * torch.randn_like(x)
        return x

    def forward(self, x):
        return self.output(self.features(x))

    def classify(self, x):
        """The logits without noise, for the test error."""
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.output(x)

    def initialize(self, x):
        x = x + 0.3 * torch.randn_like(x)
        for layer in self.hidden:
            x = F.relu(layer.initialize(x))
            x = x + 0.5 * torch.randn_like(x)
        self.output.initialize(x)


class Generator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense1 = torch.nn.Linear(100, 500, bias=False)
        self.bias1 = torch.nn.Parameter(torch.zeros(500))
        self.dense2 = torch.nn.Linear(500, 500, bias=False)
        self.bias2 = torch.nn.Parameter(torch.zeros(500))
        self.output = WeightNormDense(500, 784, True)

    def forward(self, z):
        x = F.softplus(F.batch_norm(self.dense1(z), None, None, training=True, eps=1e-6) + self.bias1)
        x = F.softplus(F.batch_norm(self.dense2(x), None, None, training=True, eps=1e-6) + self.bias2)
        return torch.sigmoid(self.output(x))


def log_sum_exp(x):
    return torch.logsumexp(x, dim=1)


def openblas_core():
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            threading = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(lib.openblas_get_parallel(), "unknown")
            return f"{lib.openblas_get_corename().decode()}, {threading} threads"
        except (OSError, AttributeError):
            continue
    return "not OpenBLAS"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()


def matmul_gflops(repetitions=300):
    a, b = torch.rand(100, 784), torch.rand(784, 1000)
    for _ in range(20):
        a @ b
    start = time.perf_counter()
    for _ in range(repetitions):
        a @ b
    return 2 * 100 * 784 * 1000 * repetitions / (time.perf_counter() - start) / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="../shared/data/mnist")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seed-data", type=int, default=1)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "benchmarks", "pytorch-reference.md"))
    args = parser.parse_args()
    lines = []

    def report(text):
        print(text, flush=True)
        lines.append(text)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    rng_data = np.random.RandomState(args.seed_data)
    report(f"torch {torch.__version__}, {args.threads} thread(s), BLAS: OpenBLAS core {openblas_core()}, "
           f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}")
    report(f"matrix multiply 100x784 by 784x1000 before training: {matmul_gflops():.1f} GFLOP/s")

    trainx = read_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255
    trainy = read_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    testx = torch.from_numpy(read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    testy = torch.from_numpy(read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    unlabeled = trainx.copy()
    inds = rng_data.permutation(trainx.shape[0])
    trainx, trainy = trainx[inds], trainy[inds]
    txs = np.concatenate([trainx[trainy == j][:10] for j in range(10)])
    tys = np.concatenate([trainy[trainy == j][:10] for j in range(10)])

    discriminator, generator = Discriminator(), Generator()
    average = Discriminator()
    discriminator.initialize(torch.from_numpy(unlabeled[rng.permutation(unlabeled.shape[0])[:500]]))
    average.load_state_dict(discriminator.state_dict())
    trainable = [p for p in discriminator.parameters() if p.requires_grad]
    d_optimizer = torch.optim.Adam(trainable, lr=0.003, betas=(0.5, 0.999))
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=0.003, betas=(0.5, 0.999))
    batch, steps = 100, unlabeled.shape[0] // 100

    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        tiles = np.concatenate([rng.permutation(100) for _ in range(steps)])
        labeled_x, labeled_y = txs[tiles], tys[tiles]
        unlabeled_x = unlabeled[rng.permutation(unlabeled.shape[0])]
        unlabeled_x2 = unlabeled[rng.permutation(unlabeled.shape[0])]
        for step in range(steps):
            rows = slice(step * batch, (step + 1) * batch)
            x_lab, y_lab = torch.from_numpy(labeled_x[rows]), torch.from_numpy(labeled_y[rows])
            x_unl = torch.from_numpy(unlabeled_x[rows])
            with torch.no_grad():
                fake = generator(torch.rand(batch, 100))
            logits_lab, logits_unl, logits_fake = discriminator(torch.cat([x_lab, x_unl, fake])).split(batch)
            lse_unl = log_sum_exp(logits_unl)
            loss_lab = log_sum_exp(logits_lab).mean() - logits_lab.gather(1, y_lab[:, None]).mean()
            loss_unl = 0.5 * (-lse_unl.mean() + F.softplus(lse_unl).mean()) + 0.5 * F.softplus(log_sum_exp(logits_fake)).mean()
            d_optimizer.zero_grad(set_to_none=True)
            (loss_lab + loss_unl).backward()
            d_optimizer.step()
            with torch.no_grad():
                for a, p in zip(average.parameters(), discriminator.parameters()):
                    a.add_(p - a, alpha=1e-4)

            for p in trainable:
                p.requires_grad_(False)
            with torch.no_grad():
                real_features = discriminator.features(torch.from_numpy(unlabeled_x2[rows])).mean(0)
            fake_features = discriminator.features(generator(torch.rand(batch, 100))).mean(0)
            loss_g = (real_features - fake_features).pow(2).mean()
            g_optimizer.zero_grad(set_to_none=True)
            loss_g.backward()
            g_optimizer.step()
            for p in trainable:
                p.requires_grad_(True)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            error = (average.classify(testx).argmax(1) != testy).float().mean().item() * 100
            current = (discriminator.classify(testx).argmax(1) != testy).float().mean().item() * 100
        report(f"epoch {epoch}: {seconds:.1f} s, test error {error:.2f}% averaged (rate 1e-4 from the initial weights), {current:.2f}% current, D loss {(loss_lab + loss_unl).item():.4f}, G loss {loss_g.item():.4f}")
    report(f"matrix multiply 100x784 by 784x1000 after training: {matmul_gflops():.1f} GFLOP/s")
    with open(args.output, "w") as f:
        f.write("# PyTorch reference: the paper's MNIST feature-matching script, seconds per epoch\n\n")
        f.write(f"Command: `{' '.join([os.path.basename(sys.executable)] + sys.argv)}`  \n")
        f.write(f"Written {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC. Machine: {os.cpu_count()} cores, "
                f"{cpu_name()}, {platform.platform()}.\n\n")
        f.write("".join(f"- {line}\n" for line in lines))
    print(f"Wrote {os.path.abspath(args.output)}")


if __name__ == "__main__":
    main()
