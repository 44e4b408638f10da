"""Lines 98-131: a Dataset subclass, and looping over a DataLoader's batches."""

from __future__ import annotations

import facets
import pytest
import seeding
import torch
import torch.utils.data  # torch before 1.2 does not import it with torch
from closeness import assert_close
from facets import EMPTY_DATASET, SAMPLES
from hypothesis import given
from hypothesis import strategies as st
from reproduce import expect, refusal


class FooDataset(torch.utils.data.Dataset):
    """The cheatsheet's example with its gaps filled: samples are dicts (FOO_DATASET, for a reproduction)."""

    def __init__(self, size, features):
        seeding.seed(size)
        self.data = torch.randn(size, *features)
        self.labels = torch.arange(size)

    def __getitem__(self, idx):
        return {"data": self.data[idx], "label": self.labels[idx]}

    def __len__(self):
        return len(self.labels)


#: FooDataset as a reproduction defines it: the same samples (torch.manual_seed seeds the same CPU generator).
FOO_DATASET = [
    "class FooDataset(torch.utils.data.Dataset):",
    "    def __init__(self, size, features):",
    "        torch.manual_seed(size)",
    "        self.data = torch.randn(size, *features)",
    "        self.labels = torch.arange(size)",
    "",
    "    def __getitem__(self, idx):",
    "        return {'data': self.data[idx], 'label': self.labels[idx]}",
    "",
    "    def __len__(self):",
    "        return len(self.labels)",
    "",
]


def _dataset_setup(size, features) -> list[str]:
    """The lines that build `foo_dataset` as a check does (FooDataset seeds the generator itself)."""
    imports = ["import torch.utils.data", "from torch.utils.data import DataLoader"]
    return [*imports, *FOO_DATASET, f"foo_dataset = FooDataset({size}, {features!r})"]


@pytest.mark.claim("data.dataset.subclass")
@given(size=st.integers(0, 12), features=st.lists(st.integers(1, 3), max_size=2))
def test_a_dataset_subclass_with_getitem_and_len(size, features):
    dataset = FooDataset(size, features)
    assert len(dataset) == size
    setup = _dataset_setup(size, features)
    call = "torch.utils.data.DataLoader(foo_dataset, batch_size=1)"
    seen_code = f"[batch['label'].item() for batch in {call}]"
    with refusal(call, setup, seen_code):
        seen = [batch["label"].item() for batch in torch.utils.data.DataLoader(dataset, batch_size=1)]
    expect(
        seen == list(range(size)),
        "the loader should visit every index in order without shuffling",
        setup,
        seen_code,
        seen,
    )


@pytest.mark.claim("data.dataset.len_spelling")
def test_the_cheatsheet_spelling_of_len():
    source = "class FooDataset:\n    def __len()__(self):\n        return 0\n"
    with refusal(
        "def __len()__(self): ...", [f"source = {source!r}"], "compile(source, '<cheatsheet line 101>', 'exec')"
    ):
        compile(source, "<cheatsheet line 101>", "exec")


@pytest.mark.replacement("data.dataset.len_spelling")
def test_len_dunder_gives_len():
    assert len(FooDataset(3, [])) == 3


# The empty dataset apart: a loader over no samples is a facet of its own.
SIZES = {SAMPLES: st.integers(1, 15), EMPTY_DATASET: st.just(0)}


@pytest.mark.claim("data.dataloader.dict_batches")
@pytest.mark.parametrize("dataset", [facets.param(f, facet=f) for f in SIZES])
@given(
    data=st.data(),
    batch_size=st.integers(1, 6),
    features=st.lists(st.integers(1, 3), max_size=2),
    seed=st.integers(0, 1000),
)
def test_looping_over_shuffled_batches(dataset, data, batch_size, features, seed, evidence):
    size = data.draw(SIZES[dataset], label="size")
    seeding.seed(seed)
    dataset = FooDataset(size, features)
    setup = _dataset_setup(size, features)
    call = f"DataLoader(foo_dataset, batch_size={batch_size}, shuffle=True)"
    with refusal(call, setup, f"list(enumerate({call}))"):
        loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True)
        batches = list(enumerate(loader))
    labels = []
    for _batch_idx, batch in batches:
        data, label = batch["data"], batch["label"]
        assert data.shape[0] == label.shape[0] <= batch_size
        assert tuple(data.shape[1:]) == tuple(features)
        assert_close(data, dataset.data[label])  # each sample stays with its label
        labels.extend(label.tolist())
    assert [i for i, _ in batches] == list(range(len(batches)))
    expect(
        sorted(labels) == list(range(size)),
        "every sample once per epoch",
        setup,
        f"sorted(label for batch in {call} for label in batch['label'].tolist())",
        sorted(labels),
    )
    expect(
        len(batches) == -(-size // batch_size),
        f"{len(batches)} batches of at most {batch_size} for {size} samples",
        setup,
        f"len(list({call}))",
        len(batches),
    )
    evidence.note("dict samples are collated into a dict of batched tensors")


@pytest.mark.claim("data.dataloader.cuda_batches")
@pytest.mark.cuda(min_devices=1)
@given(size=st.integers(1, 12), batch_size=st.integers(1, 5))
def test_batches_move_to_the_gpu(size, batch_size):
    dataset = FooDataset(size, [2])
    setup = [
        *_dataset_setup(size, [2]),
        f"batch = next(iter(DataLoader(foo_dataset, batch_size={batch_size}, shuffle=True)))",
        "data, label = batch['data'], batch['label']",
    ]
    for batch in torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True):
        with refusal("data, label = data.cuda(), label.cuda()", setup):
            data, label = batch["data"].cuda(), batch["label"].cuda()
        assert data.is_cuda and label.is_cuda
        assert_close(data.cpu(), dataset.data[label.cpu()])
