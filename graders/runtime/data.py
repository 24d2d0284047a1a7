"""Data: the course's datasets, read from their standard files, and what a kernel is given.

In:  a data folder (``grade.py --data DIR``) holding each dataset in its standard files::

         DIR/mnist/          train-images-idx3-ubyte  train-labels-idx1-ubyte
                             t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
         DIR/fashion-mnist/  the same four names (FashionMNIST ships with MNIST's names)
         DIR/cifar-10/       data_batch_1.bin ... data_batch_5.bin  test_batch.bin

     (IDX files may be gzipped, ``name.gz``; CIFAR-10 is its *binary* version,
     ``cifar-10-binary.tar.gz`` extracted, plain bytes: the python version's batches are
     pickles, and the grader never unpickles a file), or no folder at all: then scikit-learn's
     digits, written to IDX files by ``digits_idx``, stands in for every dataset (the demo and
     the tests; nothing is downloaded).
Out: ``Images`` (uint8 images shaped (N, C, H, W) and int64 labels); the readers and writers
     ``read_idx``/``write_idx`` and ``read_cifar``/``write_cifar``; ``load_split`` (one split of
     a folder); ``DataShelf`` — per batch, each dataset ``Prepared`` once: the grader's held-out
     examples (a seeded part of the test split, whose labels never reach a kernel), the files
     the kernel finds under ``data/<name>/`` (the training split and the rest of the test
     split) and the ``.npy`` inputs a probe hands over; ``loader_source()`` — the loader code
     the released notebook runs, made from the functions here, so the student's notebook reads
     its data exactly as the grader does.

A kernel sees only its working folder: the grader hands it ``data/<name>/`` as files written
there (see ``graders.execute.ExecutionJob.handed``). In the kernel, ``load_dataset(name)``
returns ``x_train, y_train, x_test, y_test``: float32 images in [0, 1] shaped (N, C, H, W)
(``uint8 / 255``) and int64 labels; a model is fed the grader's held-out images in exactly
that form.
"""

from __future__ import annotations

import gzip
import importlib.util
import inspect
import io
import math
import pathlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

KERNEL_FOLDER = "data"  # the folder of the kernel's working folder that holds the datasets
PROBE_FOLDER = ".grader"  # where the probes' held-out inputs are handed over
STAND_IN = "digits"
HELD_OUT_MAX = 2000  # the grader's held-out examples: at most this many, at most half the test
TRAIN_SAMPLE_MAX = 1000  # training accuracy is measured on the first min(1000, N/10) examples
SPLIT_SEED = 20240  # which test examples are held out
DIGITS_TRAIN = 1000  # the digits stand-in: 1000 training and 797 test images, 8x8, 10 classes


@dataclass(frozen=True)
class Source:
    """One of the course's datasets: where its files go and what they are."""

    name: str
    title: str
    fmt: str  # "idx" or "cifar"
    files: tuple[str, ...]
    origin: str  # where a TA finds the files

    def where(self, root: Path) -> str:
        """What to put where, for a message."""
        listed = ", ".join(self.files)
        gz = " (each may be gzipped, name.gz)" if self.fmt == "idx" else ""
        return f"put {self.title}'s files {listed}{gz} in {root / self.name}/ ({self.origin})"


_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
SOURCES: Mapping[str, Source] = MappingProxyType(
    {
        "mnist": Source("mnist", "MNIST", "idx", _IDX_FILES, "the IDX files of the MNIST site"),
        "fashion-mnist": Source(
            "fashion-mnist",
            "FashionMNIST",
            "idx",
            _IDX_FILES,
            "the IDX files of github.com/zalandoresearch/fashion-mnist",
        ),
        "cifar-10": Source(
            "cifar-10",
            "CIFAR-10",
            "cifar",
            (*(f"data_batch_{k}.bin" for k in range(1, 6)), "test_batch.bin"),
            "cifar-10-binary.tar.gz, extracted; not the python version, whose batches are pickles",
        ),
    }
)


# --- the kernel's loader: these functions run in the student's kernel as well --------------
# They use only the standard library and numpy, and nothing else of this module: their source
# is copied into the released notebook by ``loader_source``.


def read_idx(raw: bytes) -> np.ndarray:
    """The array of an IDX file of unsigned bytes (MNIST's format), from its bytes."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("not an IDX file of unsigned bytes")
    ndim = raw[3]
    start = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    if len(raw) < start or len(raw) - start != math.prod(shape):
        raise ValueError(f"IDX file: the header says {shape}, the file holds other sizes")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(shape)


def read_cifar(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 32, 32) and labels of a CIFAR-10 binary batch, from its bytes."""
    record = 1 + 3 * 32 * 32
    if not raw or len(raw) % record:
        raise ValueError(f"a CIFAR-10 binary batch holds records of {record} bytes")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(-1, record)
    return rows[:, 1:].reshape(-1, 3, 32, 32), rows[:, 0].astype(np.int64)


def read_standard_file(folder: pathlib.Path, name: str) -> bytes | None:
    """The bytes of ``folder/name``, or of ``folder/name.gz`` uncompressed; None if neither."""
    plain = pathlib.Path(folder) / name
    if plain.is_file():
        return plain.read_bytes()
    packed = pathlib.Path(folder) / (name + ".gz")
    if packed.is_file():
        return gzip.decompress(packed.read_bytes())
    return None


def load_split(folder: str | pathlib.Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, C, H, W) and int64 labels of ``split`` ("train" or "test") of the
    dataset in ``folder``: MNIST-style IDX files, or CIFAR-10's binary batches."""
    folder = pathlib.Path(folder)
    if (folder / "test_batch.bin").is_file():
        names = [f"data_batch_{k}.bin" for k in range(1, 6)] if split == "train" else []
        names = names or ["test_batch.bin"]
        parts = []
        for name in names:
            raw = read_standard_file(folder, name)
            if raw is None:
                raise FileNotFoundError(f"{folder / name} is missing (CIFAR-10 binary version)")
            parts.append(read_cifar(raw))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    prefix = "train" if split == "train" else "t10k"
    images = read_standard_file(folder, f"{prefix}-images-idx3-ubyte")
    labels = read_standard_file(folder, f"{prefix}-labels-idx1-ubyte")
    if images is None or labels is None:
        raise FileNotFoundError(
            f"no {split} data in {folder}/: put the dataset's standard files there - for MNIST "
            "and FashionMNIST train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may be .gz); for CIFAR-10 "
            "the binary version's data_batch_1.bin ... data_batch_5.bin and test_batch.bin"
        )
    x, y = read_idx(images), read_idx(labels).astype(np.int64)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"{folder}: {split} images {x.shape} do not match labels {y.shape}")
    return x[:, None, :, :], y


def scaled(images: np.ndarray) -> np.ndarray:
    """uint8 images as the float32 a model is fed: values in [0, 1]."""
    return images.astype(np.float32) / np.float32(255)


def load_dataset(
    name: str, folder: str = "data"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_train, y_train, x_test, y_test of the course's dataset ``name`` (a folder of
    ``folder``): float32 images (N, C, H, W) in [0, 1] and int64 labels."""
    x_train, y_train = load_split(pathlib.Path(folder) / name, "train")
    x_test, y_test = load_split(pathlib.Path(folder) / name, "test")
    return scaled(x_train), y_train, scaled(x_test), y_test


_KERNEL_FUNCTIONS = (read_idx, read_cifar, read_standard_file, load_split, scaled, load_dataset)


def loader_source() -> str:
    """The course's loader as notebook code: imports, then this module's reading functions."""
    header = "import gzip\nimport math\nimport pathlib\n\nimport numpy as np\n"
    bodies = [inspect.getsource(f) for f in _KERNEL_FUNCTIONS]
    return header + "\n\n" + "\n\n".join(bodies)


# --- writers: the grader's own files, never a kernel's ---------------------------------------


def write_idx(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes holding ``array`` (uint8, any number of dimensions)."""
    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8 or not 1 <= array.ndim <= 255:
        raise ValueError("IDX files written here hold uint8 arrays")
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.tobytes()


def write_cifar(images: np.ndarray, labels: np.ndarray) -> bytes:
    """A CIFAR-10 binary batch of uint8 ``images`` (N, 3, 32, 32) and labels 0..255."""
    if images.shape[1:] != (3, 32, 32) or images.dtype != np.uint8 or len(labels) != len(images):
        raise ValueError("CIFAR-10 batches hold uint8 images (N, 3, 32, 32), one label each")
    rows = np.concatenate(
        [np.asarray(labels, dtype=np.uint8)[:, None], images.reshape(len(images), -1)], axis=1
    )
    return rows.tobytes()


def to_npy(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a ``.npy`` file (read back with ``allow_pickle=False``)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


@dataclass(frozen=True)
class Images:
    """uint8 images shaped (N, C, H, W) and their int64 labels."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 (N, C, H, W), not {self.images.shape}")
        if self.labels.shape != (len(self.images),):
            raise ValueError("one label per image")

    def __len__(self) -> int:
        return len(self.images)

    def take(self, index: Any) -> Images:
        return Images(self.images[index], self.labels[index])

    def of_classes(self, classes: Iterable[int]) -> Images:
        """Only the examples of ``classes``, in their order."""
        return self.take(np.isin(self.labels, list(classes)))


def digits_images() -> tuple[Images, Images]:
    """scikit-learn's digits (8x8, values 0..16) as uint8 train and test splits (seeded)."""
    found, target = digits_arrays()
    pixels = np.clip(np.rint(found * (255 / 16)), 0, 255).astype(np.uint8)
    order = digits_order(len(pixels))
    images, labels = pixels[order][:, None, :, :], target[order].astype(np.int64)
    train = Images(images[:DIGITS_TRAIN], labels[:DIGITS_TRAIN])
    return train, Images(images[DIGITS_TRAIN:], labels[DIGITS_TRAIN:])


def digits_order(count: int) -> np.ndarray:
    """The seeded order of the digits stand-in: its first ``DIGITS_TRAIN`` are the training
    split (never held out), the rest its test split."""
    return np.random.default_rng(0).permutation(count)


def digits_training() -> tuple[np.ndarray, np.ndarray]:
    """The stand-in's training split at scikit-learn's own values: uint8 pixels 0..16 shaped
    (1000, 64) and int64 labels. No held-out image is among them, so a kernel may see them."""
    found, target = digits_arrays()
    keep = digits_order(len(found))[:DIGITS_TRAIN]
    pixels = found.reshape(len(found), -1)[keep].astype(np.uint8)
    return pixels, target[keep].astype(np.int64)


def label_sources() -> list[Path]:
    """Folders from which the grader's held-out labels could be recovered by a kernel that
    sees the Python installation: scikit-learn's bundled datasets (the digits stand-in's
    ``digits.csv.gz``, image and label side by side). The sandbox covers each with an empty
    tmpfs (``graders.runtime.sandbox``); a course's ``--data`` folder is never shown at all."""
    spec = importlib.util.find_spec("sklearn")
    folders = spec.submodule_search_locations if spec else None
    found = [Path(f).resolve() / "datasets" / "data" for f in folders or ()]
    return [folder for folder in found if folder.is_dir()]


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The digits' images (N, 8, 8) and labels, read from the file scikit-learn ships.

    Read directly: importing ``sklearn.datasets`` for ``load_digits`` costs about a second of a
    batch's start (scipy and more); ``load_digits`` itself is the fallback.
    """
    spec = importlib.util.find_spec("sklearn")
    folders = spec.submodule_search_locations if spec else None
    shipped = [Path(f) / "datasets" / "data" / "digits.csv.gz" for f in folders or ()]
    for path in shipped:
        if path.is_file():
            with gzip.open(path, "rt") as handle:
                data = np.loadtxt(handle, delimiter=",")
            return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images, digits.target


def idx_files(train: Images, test: Images) -> dict[str, bytes]:
    """The four standard IDX files of a one-channel dataset."""
    if train.images.shape[1] != 1 or test.images.shape[1] != 1:
        raise ValueError("IDX image files hold one channel")
    return {
        "train-images-idx3-ubyte": write_idx(train.images[:, 0]),
        "train-labels-idx1-ubyte": write_idx(train.labels.astype(np.uint8)),
        "t10k-images-idx3-ubyte": write_idx(test.images[:, 0]),
        "t10k-labels-idx1-ubyte": write_idx(test.labels.astype(np.uint8)),
    }


def digits_idx() -> dict[str, bytes]:
    """scikit-learn's digits as the four standard IDX files (what ``load_split`` reads)."""
    return idx_files(*digits_images())


def cifar_files(train: Images, test: Images, batches: int = 5) -> dict[str, bytes]:
    """CIFAR-10's binary files: the training split in ``batches`` batches, and the test batch."""
    parts = np.array_split(np.arange(len(train)), batches)
    files = {
        f"data_batch_{k}.bin": write_cifar(train.images[p], train.labels[p])
        for k, p in enumerate(parts, 1)
    }
    files["test_batch.bin"] = write_cifar(test.images, test.labels)
    return files


# --- what the grader prepares from a dataset ---------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """One dataset as a batch grades with it.

    ``heldout`` is the grader's part of the test split: its images are handed to the kernel
    at the end, its labels never; ``public`` is the rest of the test split, which the kernel
    reads as its test split. ``files`` are the kernel's ``data/<name>/`` files.
    """

    name: str  # what the question asks for, "fashion-mnist"
    source: str  # what was loaded: the same name, or "digits" standing in for it
    classes: int
    train: Images
    public: Images
    heldout: Images
    files: Mapping[str, bytes]

    @property
    def described(self) -> str:
        if self.source == self.name:
            return self.name
        return f"{self.source} (standing in for {self.name}: no --data folder was given)"

    @property
    def train_sample(self) -> Images:
        """The training examples whose accuracy is measured: the first ``sample_size``."""
        return self.train.take(slice(0, sample_size(len(self.train))))

    @property
    def image_shape(self) -> tuple[int, int, int]:
        c, h, w = self.train.images.shape[1:]
        return int(c), int(h), int(w)

    def probe_file(self, role: str) -> str:
        """The handed-over name of one of this dataset's input files for probes."""
        return f"{PROBE_FOLDER}/{self.name}-{role}.npy"


def sample_size(train_size: int) -> int:
    """How many leading training examples the grader measures training accuracy on."""
    return max(1, min(TRAIN_SAMPLE_MAX, train_size // 10))


def split_test(test: Images, seed: int = SPLIT_SEED) -> tuple[Images, Images]:
    """(public, held-out): a seeded choice of min(2000, N/2) held-out test examples; both
    keep their order."""
    count = min(HELD_OUT_MAX, len(test) // 2)
    chosen = np.zeros(len(test), dtype=bool)
    chosen[np.random.default_rng(seed).choice(len(test), size=count, replace=False)] = True
    return test.take(~chosen), test.take(chosen)


def prepare(name: str, source: str, train: Images, test: Images) -> Prepared:
    """Split off the held-out examples and write the kernel's files for dataset ``name``."""
    public, heldout = split_test(test)
    if train.images.shape[1:] == (3, 32, 32):
        files = cifar_files(train, public)
    else:
        files = idx_files(train, public)
    classes = int(max(train.labels.max(), test.labels.max())) + 1
    folder = f"{KERNEL_FOLDER}/{name}"
    return Prepared(
        name,
        source,
        classes,
        train,
        public,
        heldout,
        MappingProxyType({f"{folder}/{n}": data for n, data in files.items()}),
    )


def read_folder(folder: Path) -> tuple[Images, Images]:
    """The train and test splits of a dataset folder, with a message naming what is missing."""
    train = Images(*load_split(folder, "train"))
    test = Images(*load_split(folder, "test"))
    return train, test


@dataclass(frozen=True)
class DataShelf:
    """The datasets of one batch, each read and prepared once (thread-safe).

    ``root`` is the ``--data`` folder; without one, digits stands in for every dataset.
    ``memo`` keeps other per-dataset figures the grader computes once (a linear baseline).
    """

    root: Path | None = None
    _prepared: dict[str, Prepared] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its folder alone (a Dask task): each process reads the data once."""
        return (DataShelf, (self.root,))

    @property
    def described(self) -> str:
        if self.root is None:
            return f"no --data folder: scikit-learn's {STAND_IN} stands in for every dataset"
        return f"datasets from {self.root}"

    def missing(self, names: Iterable[str]) -> list[str]:
        """For each dataset of ``names`` whose files are not in the data folder, what to put
        where (empty without a data folder: the stand-in needs no files)."""
        if self.root is None:
            return []
        if not self.root.is_dir():
            return [f"{self.root} is not a folder: " + SOURCES[n].where(self.root) for n in names]
        problems = []
        for name in sorted(set(names)):
            source = SOURCES.get(name)
            if source is None:
                problems.append(f"unknown dataset {name!r}; known: {', '.join(SOURCES)}")
                continue
            folder = self.root / name
            absent = [
                f
                for f in source.files
                if not (folder / f).is_file() and not (folder / f"{f}.gz").is_file()
            ]
            if absent:
                problems.append(f"{folder}/ lacks {', '.join(absent)}: {source.where(self.root)}")
        return problems

    def get(self, name: str) -> Prepared:
        """Dataset ``name`` prepared (read on first use)."""
        with self._lock:
            if name not in self._prepared:
                self._prepared[name] = self._read(name)
            return self._prepared[name]

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per ``key`` for this shelf."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]

    def _read(self, name: str) -> Prepared:
        if self.root is None:
            return prepare(name, STAND_IN, *digits_images())
        problems = self.missing([name])
        if problems:
            raise FileNotFoundError(problems[0])
        return prepare(name, name, *read_folder(self.root / name))


def datasets_of(homeworks: Iterable[Any]) -> tuple[str, ...]:
    """The datasets the training questions of ``homeworks`` read (parts that name their
    ``datasets``), sorted."""
    names = {
        name
        for homework in homeworks
        for question in homework.questions
        for part in question.parts
        for name in getattr(part, "datasets", ())
    }
    return tuple(sorted(names))
