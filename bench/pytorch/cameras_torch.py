"""PyTorch reference timings for `npm run bench` (optional: runs only where PyTorch is installed,
e.g. Debian's python3-torch + python3-torchvision).

ResNet-50 (torchvision, seeded random weights, eval mode), one 224x224 image, layer4, the authors'
8 sizes 224...924. Medians of warm runs of:
  - forwardOnlyMs: the 8 forward passes alone (torch.no_grad);
  - camerasAutogradMs: CAMERAS (Algorithm 1 of the paper) written the straightforward PyTorch way,
    with autograd's defaults: a full backward from the target logit through the whole network,
    which also computes the gradient of every weight;
  - camerasLayerGradMs: the same map with the gradient taken only back to layer4
    (torch.autograd.grad on the activation, weights frozen): the tail-only backward that the
    JavaScript engines use.
Written from the paper (sections 3-4), not from the authors' code.

  python3 bench/pytorch/cameras_torch.py [--threads 2] [--runs 3]

Prints one JSON line.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
import torchvision

SIZES = [224, 324, 424, 524, 624, 724, 824, 924]


def image(size=224):
    y, x = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    rgb = torch.stack([torch.sin(x / 17), torch.cos(y / 23), torch.sin((x + y) / 31)]) * 100 + 128
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    return ((rgb / 255 - mean) / std).unsqueeze(0)


class Captured:
    """Keeps layer4's output of the last forward pass; with `cut`, as a new leaf of the graph, so
    that a backward pass stops there."""

    def __init__(self, module):
        self.value = None
        self.cut = False
        module.register_forward_hook(self._hook)

    def _hook(self, _module, _inputs, output):
        if self.cut:
            output = output.detach().requires_grad_()
        self.value = output
        return output


def forward_only(model, img):
    with torch.no_grad():
        for s in SIZES:
            model(F.interpolate(img, size=(s, s), mode="bilinear", align_corners=False))


def cameras(model, img, layer, tail_only):
    """Algorithm 1: means over accepted sizes of upsampled activations and gradients."""
    h, w = img.shape[2:]
    sum_a = sum_g = None
    n = 0
    base = None
    for s in SIZES:
        x = F.interpolate(img, size=(s, s), mode="bilinear", align_corners=False)
        if tail_only:
            out = model(x)
            act = layer.value
            pred = int(out.argmax())
            base = pred if base is None else base
            if pred != base:
                continue
            (grad,) = torch.autograd.grad(out[0, base], act)
        else:
            model.zero_grad()
            out = model(x)
            act = layer.value
            act.retain_grad()
            pred = int(out.argmax())
            base = pred if base is None else base
            if pred != base:
                continue
            out[0, base].backward()
            grad = act.grad
        with torch.no_grad():
            a = F.interpolate(act, size=(h, w), mode="bilinear", align_corners=False)
            g = F.interpolate(grad, size=(h, w), mode="bilinear", align_corners=False)
            sum_a = a if sum_a is None else sum_a + a
            sum_g = g if sum_g is None else sum_g + g
            n += 1
    with torch.no_grad():
        m = torch.relu(((sum_a / n) * (sum_g / n)).sum(1))[0]
        m = m - m.min()
        return m / m.max() if m.max() > 0 else m


def median_ms(fn, runs):
    fn()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1000)
    return statistics.median(t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet50().eval()
    layer = Captured(model.layer4)
    img = image()
    forward_ms = median_ms(lambda: forward_only(model, img), args.runs)
    full_ms = median_ms(lambda: cameras(model, img, layer, tail_only=False), args.runs)
    for q in model.parameters():
        q.requires_grad_(False)
    layer.cut = True
    tail_ms = median_ms(lambda: cameras(model, img, layer, tail_only=True), args.runs)
    print(json.dumps({
        "engine": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "sizes": SIZES,
        "forwardOnlyMs": forward_ms,
        "camerasAutogradMs": full_ms,
        "camerasLayerGradMs": tail_ms,
    }))


if __name__ == "__main__":
    main()
