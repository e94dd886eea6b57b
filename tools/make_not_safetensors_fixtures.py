#!/usr/bin/env python3
"""Write files that are not safetensors, as PyTorch users have them, for the error that says what
a file is instead of "header length ... is absurdly large".

Run by hand with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 tools/make_not_safetensors_fixtures.py

CI never runs this: the files (about 1 KB each) are committed. Writes to
tests/fixtures/not-safetensors/:
  linear.pt         torch.save(nn.Linear(4, 2).state_dict()): a zip archive (PyTorch >= 1.6)
  linear_legacy.pt  the same with _use_new_zipfile_serialization=False: a bare pickle
"""
import pathlib

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "not-safetensors"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    state = nn.Linear(4, 2).state_dict()
    torch.save(state, OUT / "linear.pt")
    torch.save(state, OUT / "linear_legacy.pt", _use_new_zipfile_serialization=False)
    for path in sorted(OUT.iterdir()):
        print(path.name, path.stat().st_size, path.read_bytes()[:8])


if __name__ == "__main__":
    main()
