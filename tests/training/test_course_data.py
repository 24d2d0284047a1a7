"""graders/runtime/data.py: the standard file formats, the digits stand-in, a kernel's data."""

from __future__ import annotations

import gzip
import pickle
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.datasets import load_digits

from graders.runtime import data
from graders.runtime.data import DataShelf, Images


def _idx_by_hand(array: np.ndarray) -> bytes:
    """The IDX format as its specification writes it: 0, 0, type 0x08, ndim, sizes (big-endian
    uint32), then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint8, st.lists(st.integers(1, 6), min_size=1, max_size=4).map(tuple)))
def test_idx_written_as_the_format_says_and_read_back(array: np.ndarray) -> None:
    raw = data.write_idx(array)
    assert raw == _idx_by_hand(array)
    assert np.array_equal(data.read_idx(raw), array)


def test_idx_reader_refuses_what_is_not_idx() -> None:
    good = _idx_by_hand(np.zeros((2, 3), dtype=np.uint8))
    with pytest.raises(ValueError, match="not an IDX"):
        data.read_idx(b"\x00\x00\x0d\x02" + good[4:])  # float type
    with pytest.raises(ValueError, match="header says"):
        data.read_idx(good[:-1])


def test_cifar_binary_records_are_label_then_red_green_blue_planes() -> None:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (3, 3, 32, 32), dtype=np.uint8)
    labels = np.array([7, 0, 9])
    raw = data.write_cifar(images, labels)
    assert len(raw) == 3 * 3073
    record = raw[3073 : 2 * 3073]  # the second image, read by hand
    assert record[0] == 0
    red = np.frombuffer(record[1:1025], dtype=np.uint8).reshape(32, 32)
    blue = np.frombuffer(record[2049:], dtype=np.uint8).reshape(32, 32)
    assert np.array_equal(red, images[1, 0]) and np.array_equal(blue, images[1, 2])
    back, back_labels = data.read_cifar(raw)
    assert np.array_equal(back, images) and back_labels.tolist() == [7, 0, 9]
    with pytest.raises(ValueError):
        data.read_cifar(raw[:-1])


def test_digits_idx_holds_scikit_learns_digits() -> None:
    files = data.digits_idx()
    train = data.read_idx(files["train-images-idx3-ubyte"])
    test = data.read_idx(files["t10k-images-idx3-ubyte"])
    labels = [data.read_idx(files[f"{s}-labels-idx1-ubyte"]) for s in ("train", "t10k")]
    assert train.shape == (1000, 8, 8) and test.shape == (797, 8, 8)
    # every digit once, in some order, its 0..16 values scaled to 0..255
    restored = np.rint(np.concatenate([train, test]).astype(float) * 16 / 255).astype(np.uint8)
    ours = sorted(zip(np.concatenate(labels).tolist(), map(bytes, restored), strict=True))
    digits = load_digits()
    original = digits.images.astype(np.uint8)  # type: ignore[attr-defined]
    theirs = sorted(zip(digits.target.tolist(), map(bytes, original), strict=True))  # type: ignore[attr-defined]
    assert ours == theirs


def test_digits_read_from_the_shipped_file_are_load_digits_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digits = load_digits()
    images, labels = data.digits_arrays()
    assert np.array_equal(images, digits.images) and np.array_equal(labels, digits.target)  # type: ignore[attr-defined]
    monkeypatch.setattr(data.importlib.util, "find_spec", lambda name: None)  # file not found
    images, labels = data.digits_arrays()  # load_digits itself, then
    assert np.array_equal(images, digits.images) and np.array_equal(labels, digits.target)  # type: ignore[attr-defined]


def _write(folder: Path, files: dict[str, bytes], gz: bool = False) -> None:
    for name, raw in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)


def test_load_split_reads_plain_and_gzipped_idx_and_cifar(tmp_path: Path) -> None:
    files = data.digits_idx()
    _write(tmp_path / "plain", files)
    _write(tmp_path / "packed", files, gz=True)
    for folder in ("plain", "packed"):
        x, y = data.load_split(tmp_path / folder, "test")
        assert x.shape == (797, 1, 8, 8) and x.dtype == np.uint8 and y.dtype == np.int64
        assert np.array_equal(x[:, 0], data.read_idx(files["t10k-images-idx3-ubyte"]))
    train, test = data.digits_images()
    big = Images(
        np.repeat(np.repeat(train.images, 4, axis=2), 4, axis=3).repeat(3, 1), train.labels
    )
    small = Images(
        np.repeat(np.repeat(test.images, 4, axis=2), 4, axis=3).repeat(3, 1), test.labels
    )
    _write(tmp_path / "cifar", data.cifar_files(big, small))
    x, y = data.load_split(tmp_path / "cifar", "train")
    assert x.shape == (1000, 3, 32, 32) and np.array_equal(x, big.images)
    assert np.array_equal(y, train.labels)


def test_missing_files_name_what_to_put_where(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.*test_batch\.bin"):
        data.load_split(tmp_path, "train")
    shelf = DataShelf(tmp_path)
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"")
    problems = shelf.missing(["mnist", "cifar-10"])
    assert len(problems) == 2
    cifar, mnist = problems
    assert f"{tmp_path / 'cifar-10'}/ lacks data_batch_1.bin" in cifar and "binary" in cifar
    assert (
        "train-labels-idx1-ubyte" in mnist and "train-images-idx3-ubyte," not in mnist.split(":")[0]
    )
    assert "not a folder" in DataShelf(tmp_path / "nowhere").missing(["mnist"])[0]
    assert DataShelf().missing(["mnist"]) == []  # the stand-in needs no files
    with pytest.raises(FileNotFoundError, match="lacks"):
        shelf.get("cifar-10")


def test_prepared_dataset_keeps_the_held_out_labels_from_the_kernel(tmp_path: Path) -> None:
    prepared = DataShelf().get("fashion-mnist")
    assert prepared.source == "digits" and "standing in for fashion-mnist" in prepared.described
    train, test = data.digits_images()
    assert len(prepared.heldout) == 398 and len(prepared.public) == 797 - 398
    # public and held-out split the test split: every test image in exactly one of them
    both = np.concatenate([prepared.public.images, prepared.heldout.images])
    assert sorted(map(bytes, both.reshape(797, -1))) == sorted(
        map(bytes, test.images.reshape(797, -1))
    )
    # the kernel's files hold the training split and the public test split, nothing else
    _write(tmp_path, {k.split("/", 1)[1]: v for k, v in prepared.files.items()})
    assert all(k.startswith("data/fashion-mnist/") for k in prepared.files)
    x, y = data.load_split(tmp_path / "fashion-mnist", "test")
    assert np.array_equal(x, prepared.public.images) and np.array_equal(y, prepared.public.labels)
    x, y = data.load_split(tmp_path / "fashion-mnist", "train")
    assert np.array_equal(x, train.images) and np.array_equal(y, train.labels)
    assert len(prepared.train_sample) == 100 and data.sample_size(60_000) == 1000
    assert prepared.probe_file("heldout") == ".grader/fashion-mnist-heldout.npy"


def test_a_data_folder_is_read_with_its_own_name(tmp_path: Path) -> None:
    train, test = data.digits_images()
    _write(tmp_path / "mnist", data.idx_files(train, test), gz=True)
    prepared = DataShelf(tmp_path).get("mnist")
    assert prepared.source == prepared.name == "mnist" and prepared.described == "mnist"
    assert len(prepared.train) == 1000 and prepared.classes == 10


def test_loader_source_runs_on_its_own(tmp_path: Path) -> None:
    namespace: dict[str, object] = {}
    exec(compile(data.loader_source(), "<setup>", "exec"), namespace)
    prepared = DataShelf().get("cifar-10")
    _write(tmp_path, {k.split("/", 1)[1]: v for k, v in prepared.files.items()})
    load = namespace["load_dataset"]
    assert callable(load)
    x_train, y_train, x_test, _ = load("cifar-10", str(tmp_path))
    assert x_train.dtype == np.float32 and x_train.shape == (1000, 1, 8, 8)
    assert x_train.min() >= 0.0 and x_train.max() <= 1.0
    assert np.allclose(x_test * 255, prepared.public.images) and y_train.dtype == np.int64
    with pytest.raises(FileNotFoundError, match="no train data"):
        load("mnist", str(tmp_path))


def test_shelf_reads_once_across_threads_and_pickles_as_its_folder(tmp_path: Path) -> None:
    shelf = DataShelf()
    found: list[object] = []
    threads = [threading.Thread(target=lambda: found.append(shelf.get("mnist"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 4 and all(f is found[0] for f in found)
    calls: list[int] = []
    assert shelf.memo("k", lambda: calls.append(1) or 5) == shelf.memo("k", lambda: 6) == 5
    copy = pickle.loads(pickle.dumps(DataShelf(tmp_path)))
    assert isinstance(copy, DataShelf) and copy.root == tmp_path


def test_datasets_of_lists_the_training_questions_data(books: dict[str, object]) -> None:
    assert "cifar-10" in data.datasets_of([books["hw4"]])
