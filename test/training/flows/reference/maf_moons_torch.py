#!/usr/bin/python3
"""PyTorch cross-check of `dgm train maf-moons` on the very same points (not run by the test suite).

The run's default setup in PyTorch (Debian's python3-torch; one hidden layer, where the course's MADE(2, 100, 1)
has two): 5 x [MADE 2-100-4 (masks from deg_in = arange(D),
deg_h = arange(H) % (D-1), outputs arange(D) - 1 with >=), flip], standard normal base, Adam lr 1e-3 with
weight_decay 1e-6, batch 100, 50 epochs; prints per epoch the mean training NLL and the val/test log-likelihood
(nats per point, standardized coordinates).

Usage (from the repository root, after `npx tsc -p tsconfig.json`):
  node -e "const m=require('./dist/training/data/moons').makeMoons({});for(const k of ['train','val','test'])require('fs').writeFileSync('/tmp/moons-'+k+'.f32',Buffer.from(m[k].buffer))"
  /usr/bin/python3 test/training/flows/reference/maf_moons_torch.py [--seed 0] [--dir /tmp]
"""
import argparse, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser(); p.add_argument('--seed', type=int, default=0); p.add_argument('--dir', default='/tmp')
a = p.parse_args(); torch.set_num_threads(1); torch.manual_seed(a.seed)
load = lambda k: torch.from_numpy(np.fromfile(f'{a.dir}/moons-{k}.f32', dtype=np.float32).reshape(-1, 2))
train, val, test = load('train'), load('val'), load('test')

class MaskedLinear(nn.Linear):
    def __init__(self, i, o, mask): super().__init__(i, o); self.register_buffer('mask', mask)
    def forward(self, x): return F.linear(x, self.mask * self.weight, self.bias)

def made(d, h):
    deg_in = torch.arange(d); deg_h = torch.arange(h) % (d - 1); deg_out = torch.arange(d) - 1
    m1 = (deg_h[:, None] >= deg_in[None, :]).float(); m2 = (deg_out[:, None] >= deg_h[None, :]).float().repeat(2, 1)
    return nn.Sequential(MaskedLinear(d, h, m1), nn.ReLU(), MaskedLinear(h, 2 * d, m2))

mades = nn.ModuleList([made(2, 100) for _ in range(5)])

def log_prob(x):
    log_det = 0
    for m in mades:
        mu, alpha = m(x).chunk(2, 1)
        x = (x - mu) * torch.exp(-alpha); log_det = log_det - alpha.sum(1); x = x.flip(1)
    return (-0.5 * x ** 2 - 0.5 * np.log(2 * np.pi)).sum(1) + log_det

opt = torch.optim.Adam(mades.parameters(), 1e-3, weight_decay=1e-6)
for epoch in range(50):
    t = time.time(); perm = torch.randperm(len(train)); total = 0.0
    for i in range(0, len(train), 100):
        loss = -log_prob(train[perm[i:i + 100]]).mean(); opt.zero_grad(); loss.backward(); opt.step(); total += loss.item()
    with torch.no_grad(): v, te = log_prob(val).mean().item(), log_prob(test).mean().item()
    print(epoch + 1, 'train_nll', round(total / (len(train) // 100), 4), 'val_ll', round(v, 4), 'test_ll', round(te, 4), f'{time.time() - t:.1f}s', flush=True)
