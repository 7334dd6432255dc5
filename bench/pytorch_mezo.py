#!/usr/bin/python3
"""An independent PyTorch MeZO on the issue-17 text encoder, for `npm run bench`'s side-by-side line.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 \
        /usr/bin/python3 bench/pytorch_mezo.py <model.onnx> <batches.json>

(bench/encoder-target.ts runs it so: Debian's torch uses the system libblas.so.3, and the reference
BLAS makes a matmul ~30x slower than OpenBLAS; libopenblas0-pthread's copy is put first.)

Reads the encoder's weights from the same ONNX file the project trains (bench/text-encoder.ts writes
it; python3-onnx's numpy_helper reads the initializers) and the exact batches the project's run fed
(written by bench/issue17-targets.ts: input_ids, attention_mask, labels per step, padded per batch),
rebuilds the same network in torch (pre-LN blocks, masked attention with an additive -1e4 bias,
x * sigmoid(1.702 x) GELU, masked mean pooling, linear head, per-example cross-entropy) and runs
MeZO as Malladi et al.'s reference code does: regenerate z from a per-step seed for +eps, -2 eps,
+eps and the update (no z kept), under torch.no_grad().

Prints one JSON line: steps, seconds, steps per second (at the faster of 1 and 2 torch threads, both
reported), torch version and threads, and the mean
loss of the first batch at the initial weights (the caller compares it with onnxruntime's to show
both compute the same function). Debian's python3-torch and python3-onnx; never needed by tests or CI.
"""
import json
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def load_weights(path):
    model = onnx.load(path)
    return {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer if t.data_type == onnx.TensorProto.FLOAT}


class Encoder:
    """bench/text-encoder.ts's graph, op for op (names are its initializers')."""

    def __init__(self, w, heads, layers):
        self.w = w
        self.heads = heads
        self.layers = layers
        self.params = [t for n, t in sorted(w.items()) if not n.startswith('tf.')]

    def ln(self, x, p):
        return F.layer_norm(x, (x.shape[-1],), self.w[p + '.weight'], self.w[p + '.bias'], 1e-5)

    def linear(self, x, p):
        return x @ self.w[p + '.weight'] + self.w[p + '.bias']

    def losses(self, ids, mask, labels):
        w = self.w
        B, S = ids.shape
        D = w['tok.weight'].shape[1]
        H = self.heads
        dh = D // H
        maskf = mask.to(torch.float32)
        bias = ((maskf - 1.0) * 1e4).view(B, 1, 1, S)
        x = w['tok.weight'][ids] + w['pos.weight'][:S]
        for l in range(self.layers):
            p = 'blk%d' % l
            q, k, v = self.linear(self.ln(x, p + '.ln1'), p + '.qkv').split(D, dim=-1)
            q = q.reshape(B, S, H, dh).transpose(1, 2)
            k = k.reshape(B, S, H, dh).permute(0, 2, 3, 1)
            v = v.reshape(B, S, H, dh).transpose(1, 2)
            probs = torch.softmax((q @ k) * (1.0 / dh ** 0.5) + bias, dim=-1)
            ctx = (probs @ v).transpose(1, 2).reshape(B, S, D)
            x = x + self.linear(ctx, p + '.attn_out')
            up = self.linear(self.ln(x, p + '.ln2'), p + '.mlp_in')
            x = x + self.linear(up * torch.sigmoid(1.702 * up), p + '.mlp_out')
        pooled = (self.ln(x, 'ln_f') * maskf.unsqueeze(-1)).sum(1) / maskf.sum(1, keepdim=True)
        logits = pooled @ w['head.weight'] + w['head.bias']
        return F.cross_entropy(logits, labels, reduction='none')


def perturb(params, seed, scale):
    torch.manual_seed(seed)
    for p in params:
        z = torch.normal(mean=0.0, std=1.0, size=p.shape, dtype=p.dtype)
        p.add_(z, alpha=scale)


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: pytorch_mezo.py <model.onnx> <batches.json>')
    spec = json.load(open(sys.argv[2]))
    enc = Encoder(load_weights(sys.argv[1]), spec['heads'], spec['layers'])
    batches = [
        (torch.tensor(b['input_ids'], dtype=torch.int64), torch.tensor(b['attention_mask'], dtype=torch.int64), torch.tensor(b['labels'], dtype=torch.int64))
        for b in spec['batches']
    ]
    eps, lr, warmup = spec['eps'], spec['lr'], spec.get('warmup', 5)
    seeds = np.random.default_rng(spec.get('seed', 1)).integers(0, 2 ** 31 - 1, size=len(batches) + warmup)

    def timed_run(threads):
        """MeZO over every batch from the loaded weights, with torch on `threads` intra-op threads."""
        torch.set_num_threads(threads)
        enc = Encoder(load_weights(sys.argv[1]), spec['heads'], spec['layers'])
        with torch.no_grad():
            first_loss = float(enc.losses(*batches[0]).mean())
            t0 = None
            for step in range(len(batches) + warmup):
                if step == warmup:
                    t0 = time.perf_counter()
                ids, mask, labels = batches[step % len(batches)]
                seed = int(seeds[step])
                perturb(enc.params, seed, eps)
                plus = enc.losses(ids, mask, labels)
                perturb(enc.params, seed, -2 * eps)
                minus = enc.losses(ids, mask, labels)
                perturb(enc.params, seed, eps)
                c = float((plus - minus).mean()) / (2 * eps)
                perturb(enc.params, seed, -lr * c)
            return time.perf_counter() - t0, first_loss, sum(p.numel() for p in enc.params)

    # PyTorch's fastest setting on this machine is part of a fair baseline: torch's default thread count
    # (1 here) and 2 threads (the field notes found 2 fastest for one matmul with OpenBLAS at 1) are both
    # timed, and the faster is the baseline.
    by_threads = {}
    for threads in (1, 2):
        seconds, first_loss, parameters = timed_run(threads)
        by_threads[threads] = len(batches) / seconds
    best = max(by_threads, key=by_threads.get)
    print(json.dumps({
        'steps': len(batches),
        'seconds': len(batches) / by_threads[best],
        'stepsPerSecond': by_threads[best],
        'stepsPerSecondByThreads': {str(k): v for k, v in by_threads.items()},
        'firstBatchLoss': first_loss,
        'torch': torch.__version__,
        'torchThreads': best,
        'parameters': parameters,
    }))


if __name__ == '__main__':
    main()
