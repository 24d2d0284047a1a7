"""HW3 (series 3): learning rates, convolutions, 1×1 convolutions and an Inception module.

Graded here: Q1 (learning rates, saddle points and Adam vs SGD in words; which loss curve is
batch and which mini-batch gradient descent), Q3 (parameter counts of a 1-D CNN; 2-D vs 3-D
convolution in words), Q5 and Q6(a–e) (in words), Q6(f) (a 1×1 convolution's output shape and
parameter count) and Q7 (an Inception module's output shape and parameter count). Q2 was lost
to OCR; Q4 and the training part of Q7 are training questions graded elsewhere.

Every count and shape follows from the layers' parameters: a convolution has
(kernel size · input channels + 1) · filters trainable parameters, a dense layer
(inputs + 1) · units, pooling and flattening none; 'valid' convolutions shorten a sequence by
kernel − 1 and a pooling window of 2 halves it, rounding down. The input length of Q3 is the
shortest one that leaves the question's 59 steps after the last pooling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graders.authoring import (
    ChoicePart,
    Homework,
    Item,
    Limits,
    Mistake,
    Names,
    NumberPart,
    Params,
    Question,
    TextPart,
    Tolerance,
    choice_options,
)
from reference import training

COUNT = Tolerance(integer=True)
"""Counts and shapes are exact integers."""

Branch = tuple[tuple[Any, ...], ...]
"""An Inception branch: its layers in order, ("conv", kernel, filters) or ("pool", kernel)."""


# --------------------------------------------------------------------------------------------
# Q3: the 1-D CNN


def stage_lengths(length: int, kernels: Sequence[int], pool: int) -> list[int]:
    """The sequence length after each conv + pool stage ('valid' convolution, pooling floors)."""
    lengths = []
    for kernel in kernels:
        length = (length - kernel + 1) // pool
        lengths.append(length)
    return lengths


def shortest_input(steps: int, kernels: Sequence[int], pool: int) -> int:
    """The shortest input length that leaves ``steps`` steps after the last stage.

    Undoes the stages from the last: the shortest length that pools to ``n`` is ``n · pool``,
    and a 'valid' convolution of kernel k needs ``k − 1`` more steps than it gives.
    """
    length = steps
    for kernel in reversed(kernels):
        length = length * pool + kernel - 1
    if stage_lengths(length, kernels, pool)[-1] != steps:
        raise ValueError(f"no input length leaves {steps} steps")
    return length


def _q3_params() -> dict[str, Any]:
    kernels, pool, steps = (3, 5, 5), 2, 59
    return {
        "in_channels": 7,
        "filters": (16, 32, 64),
        "kernels": kernels,
        "pool": pool,
        "steps": steps,
        "length": shortest_input(steps, kernels, pool),
        "dense": (128, 5),
    }


def conv_params(kernel: int, channels_in: int, filters: int, *, bias: bool = True) -> int:
    """Trainable parameters of a convolution: kernel · input channels weights per filter, plus
    one bias per filter. ``kernel`` is the number of positions the kernel covers (k, or k·k)."""
    return (kernel * channels_in + int(bias)) * filters


def dense_params(inputs: int, units: int, *, bias: bool = True) -> int:
    """Trainable parameters of a dense layer: one weight per input and unit, one bias per unit."""
    return (inputs + int(bias)) * units


def flattened(params: Params) -> int:
    """Values out of Flatten: the steps left after the last stage times its channels."""
    steps = stage_lengths(params["length"], params["kernels"], params["pool"])[-1]
    return steps * params["filters"][-1]


def cnn_layer_counts(params: Params, *, bias: bool = True) -> dict[str, int]:
    """Trainable parameters of each layer of Q3's network that has any, by item variable."""
    counts = {}
    channels = params["in_channels"]
    for n, (kernel, filters) in enumerate(zip(params["kernels"], params["filters"], strict=True)):
        counts[f"q3_conv{n + 1}"] = conv_params(kernel, channels, filters, bias=bias)
        channels = filters
    inputs = flattened(params)
    for n, units in enumerate(params["dense"]):
        counts[f"q3_dense{n + 1}"] = dense_params(inputs, units, bias=bias)
        inputs = units
    return counts


def cnn_total(params: Params, *, bias: bool = True) -> int:
    return sum(cnn_layer_counts(params, bias=bias).values())


NO_BIAS = Mistake(
    "params.no_bias",
    "The biases are missing: every filter and every unit has one trainable bias.",
    persian="بایاس‌ها از قلم افتاده‌اند: هر فیلتر و هر واحد یک بایاس آموزش‌پذیر دارد.",
)
CHANNELS_IGNORED = Mistake(
    "params.channels_ignored",
    "The input channels are missing: a 1-D filter has kernel × input-channels weights.",
    persian="کانال‌های ورودی از قلم افتاده‌اند: هر فیلتر یک‌بعدی kernel × کانال‌های ورودی وزن دارد.",
)


def _layer_count(variable: str, *, bias: bool = True) -> Callable[[Params], float]:
    def count(params: Params) -> float:
        return float(cnn_layer_counts(params, bias=bias)[variable])

    return count


def _channels_ignored(n: int) -> Callable[[Params], float]:
    def count(params: Params) -> float:
        return float(conv_params(params["kernels"][n], 1, params["filters"][n]))

    return count


def _cnn_total(*, bias: bool) -> Callable[[Params], float]:
    def count(params: Params) -> float:
        return float(cnn_total(params, bias=bias))

    return count


CNN_LAYERS = (
    ("q3_conv1", "First Conv1D"),
    ("q3_conv2", "Second Conv1D"),
    ("q3_conv3", "Third Conv1D"),
    ("q3_dense1", "First Dense"),
    ("q3_dense2", "Second Dense"),
)


def cnn_parts() -> tuple[NumberPart, ...]:
    """Q3(a): one exact count per layer with parameters, and the total."""
    parts = []
    for n, (variable, label) in enumerate(CNN_LAYERS):
        mistakes: list[tuple[Mistake, Callable[[Params], float]]] = [
            (NO_BIAS, _layer_count(variable, bias=False))
        ]
        if variable.startswith("q3_conv"):
            mistakes.append((CHANNELS_IGNORED, _channels_ignored(n)))
        parts.append(
            NumberPart(
                Item(variable, f"Parameters of the {label}", 1.0, "an integer"),
                _layer_count(variable),
                COUNT,
                tuple(mistakes),
            )
        )
    parts.append(
        NumberPart(
            Item("q3_total", "Total trainable parameters", 1.0, "an integer"),
            _cnn_total(bias=True),
            COUNT,
            ((NO_BIAS, _cnn_total(bias=False)),),
        )
    )
    return tuple(parts)


Q3_PROMPT = """\
**Parameters of a 1-D CNN.**

(a) A 1-D convolutional network reads sequences of length L = {length} with {in_channels}
channels (features per step):

{network}

The convolutions are 'valid' (no padding), stride 1, with a bias per filter; each pooling
window of {pool} moves by {pool} and drops any leftover steps. With L = {length} the last
pooling leaves {steps} steps of {last_filters} channels, so Flatten gives {steps} × {last_filters}
values; the dense layers have biases. Give the number of trainable parameters of each
convolution and dense layer, and the total of the network.

(b) Explain the difference between 2-D and 3-D convolutions, and what each is used for.
"""


def network_text(params: Params) -> str:
    """Q3's layers in order, as an indented (code) block of two lines."""
    convs = [
        f"Conv1D({f} filters, kernel {k}) -> MaxPool1D({params['pool']})"
        for k, f in zip(params["kernels"], params["filters"], strict=True)
    ]
    dense = " -> ".join(f"Dense({units})" for units in params["dense"])
    first = " -> ".join(convs[:2])
    rest = " -> ".join([*convs[2:], "Flatten", dense])
    return f"    {first}\n    -> {rest}"


Q3B_RUBRIC = """\
{points} points. 2-D convolution (2): the kernel slides over height and width (spanning all input
channels), giving a 2-D feature map per filter; it captures spatial patterns (edges, textures,
shapes) in images: classification, detection, segmentation. 3-D convolution (2): the kernel
also slides along a third axis (depth or time), giving a 3-D feature map; it captures patterns
in volumes or over time: video and action recognition, 3-D medical scans (CT, MRI). Saying
only "3-D has one more dimension" without the sliding axis or the uses: 2.
"""
Q3B_MODEL = (
    "A 2-D convolution slides its kernel over the height and width of an image (covering all "
    "channels), so it learns spatial patterns such as edges and textures: image "
    "classification, detection, segmentation. A 3-D convolution also slides along depth or "
    "time, so it learns patterns in volumes and their change over time: video and action "
    "recognition, CT/MRI scans."
)


# --------------------------------------------------------------------------------------------
# Q1: learning rates; batch vs mini-batch curves

GD_KINDS = choice_options(
    {
        "batch": {
            "batch gradient descent",
            "batch gd",
            "bgd",
            "full batch",
            "full-batch gradient descent",
            "دسته‌ای",
            "گرادیان کاهشی دسته‌ای",
        },
        "mini-batch": {
            "mini-batch gradient descent",
            "mini-batch gd",
            "mbgd",
            "مینی‌بچ",
            "دسته کوچک",
            "گرادیان کاهشی مینی‌بچ",
        },
    }
)
"""Batch or mini-batch gradient descent (HW3 Q1(d)), in English and Persian."""

CURVES = {"q1d_smooth": "batch", "q1d_noisy": "mini-batch"}
"""Which method draws which curve. Batch gradient descent uses the exact gradient of the whole
training set at every step, so with a suitable rate its loss falls smoothly; mini-batch
gradient descent estimates the gradient from a few samples, and that noise makes its loss
curve jagged. (The tests confirm it with torch runs of both.)"""


def _curve(variable: str) -> Callable[[Params], str]:
    def expected(params: Params) -> str:
        return CURVES[variable]

    return expected


Q1_PROMPT = """\
**Learning rates and gradient descent.**

(a) What problems does a learning rate that is too high cause? How can you detect it?

(b) What problems does a learning rate that is too low cause? How can you detect it?

(c) What is a saddle point, and why is it a problem for optimisation? How do Adam and SGD deal
with saddle points? Compare Adam and SGD in general (advantages and drawbacks of each).

(d) Two plots of the training loss per iteration were shown (the figure is not available
here): in the left one the loss falls smoothly, iteration after iteration; in the right one it
falls with noise, going up and down. Which plot is batch gradient descent and which is
mini-batch gradient descent?

Answer (a) to (c) in a few sentences each, in English or Persian.
"""
Q1_TEXTS = (
    (
        "q1a_answer",
        "Too high a learning rate",
        3.0,
        """\
{points} points. Problems (1.5): steps overshoot the minimum, so the loss oscillates or grows
(divergence); training is unstable; weights and losses can explode to inf/NaN. Detection
(1.5): plot the training loss per iteration or epoch: large oscillations, a rising loss or
NaN; an erratic or rising validation loss. Listing "overfitting" as a symptom earns nothing.
""",
        "Steps overshoot the minimum: the loss oscillates, stops decreasing or grows (diverges), "
        "and weights can explode to inf or NaN. Detect it on the loss curve: large oscillations, "
        "a rising loss or NaN values, and an erratic validation loss.",
    ),
    (
        "q1b_answer",
        "Too low a learning rate",
        3.0,
        """\
{points} points. Problems (1.5): very slow convergence, many more epochs for an acceptable result;
the optimiser can stall on plateaus, in poor local minima or near saddle points. Detection
(1.5): the loss falls very slowly or flattens early at a high value; training and validation
errors stay high after many epochs. A remedy (raise the rate, a schedule, an adaptive
optimiser) is a plus, not required.
""",
        "Training converges very slowly and may stall on plateaus, near saddle points or in poor "
        "local minima. The loss curve falls very slowly (or flattens at a high value) and the "
        "training and validation errors stay high after many epochs.",
    ),
    (
        "q1c_answer",
        "Saddle points; Adam vs SGD",
        4.0,
        """\
{points} points. Saddle point (1.5): the gradient is zero but it is a minimum along some directions
and a maximum along others (common in high dimensions); gradient steps become tiny there, so
SGD slows down or stalls. Adam (1): its momentum and per-parameter adaptive steps (dividing by
the root of the squared-gradient average) keep it moving and escape faster than plain SGD.
Comparison (1.5): Adam: adaptive rates, momentum, good with sparse or noisy gradients, fast
convergence, little tuning; but more memory (two moment estimates), hyperparameters, and a
tendency to sharp minima that may generalise worse. SGD: simple, little memory, often
generalises better (flatter minima); but slower, sensitive to the learning rate, slowed by
saddle points.
""",
        "At a saddle point the gradient is zero, yet it is a minimum along some directions and a "
        "maximum along others; gradients near it are tiny, so SGD crawls or stalls. Adam's "
        "momentum and per-parameter step sizes keep it moving and it escapes faster. Adam "
        "converges fast with little tuning and handles sparse gradients, but needs more memory "
        "and may settle in sharper minima; SGD is simple and cheap and often generalises "
        "better, but is slower and sensitive to the learning rate.",
    ),
)


def curve_parts() -> tuple[ChoicePart, ...]:
    labels = {"q1d_smooth": "The smooth (left) curve", "q1d_noisy": "The noisy (right) curve"}
    return tuple(
        ChoicePart(
            Item(variable, labels[variable], 1.0, '"batch" or "mini-batch"'),
            GD_KINDS,
            _curve(variable),
        )
        for variable in CURVES
    )


# --------------------------------------------------------------------------------------------
# Q5, Q6: convolutions in words; Q6(f) a 1×1 convolution


def _q6_params() -> dict[str, Any]:
    return {"q6_size": 4, "q6_channels": 3, "q6_filters": 3}


def pointwise_shape(params: Params) -> tuple[int, int, int]:
    """(height, width, channels) after a 1×1 convolution, stride 1: the size is unchanged and
    the channels are the filters."""
    return (params["q6_size"], params["q6_size"], params["q6_filters"])


def pointwise_params(params: Params, *, bias: bool = True) -> int:
    return conv_params(1, params["q6_channels"], params["q6_filters"], bias=bias)


def _shape_parts(
    prefix: str, shape: Callable[[Params], tuple[int, int, int]], points: float, what: str
) -> tuple[NumberPart, ...]:
    names = ("height", "width", "channels")

    def axis(n: int) -> Callable[[Params], float]:
        return lambda params: float(shape(params)[n])

    return tuple(
        NumberPart(
            Item(f"{prefix}_{name}", f"{what}: {name}", points, "an integer"), axis(n), COUNT
        )
        for n, name in enumerate(names)
    )


Q5_PROMPT = """\
**Strengths and limits of convolutional layers.** With practical examples, show the advantages
of convolutional layers and the challenges (limitations) they face. Answer in a paragraph or
two, in English or Persian.
"""
Q5_RUBRIC = """\
{points} points: 4 for strengths, 4 for limitations, each needing a practical example for full
marks. Strengths: local connectivity and weight sharing (far fewer parameters than dense
layers), translation equivariance, hierarchical features (edges -> textures -> objects) that
transfer to new tasks (e.g. a pretrained VGG/ResNet fine-tuned on medical images). Limitations:
a local receptive field that misses global context (e.g. a segmentation network labelling a
pedestrian as road), no built-in rotation/scale invariance, loss of position through pooling,
the need for much labelled data and computation. One strength and one limitation, each with a
good example: 7.
"""
Q5_MODEL = (
    "Strengths: weight sharing and local connections need far fewer parameters than dense "
    "layers and detect a pattern wherever it appears; stacked layers learn hierarchical "
    "features (edges, textures, parts), so a CNN pretrained on ImageNet can be fine-tuned on a "
    "small medical-image dataset. Limitations: each unit sees only a local window, so a "
    "segmentation network for self-driving cars may miss global context and label a "
    "pedestrian as road; CNNs are not rotation or scale invariant, pooling loses exact "
    "positions, and they need much labelled data."
)

Q6_PROMPT = """\
**1×1 convolutions.**

(a) What are 1×1 filters (convolutions) used for in CNNs?

(b) What does the feature map produced by a 1×1 filter represent?

(c) How does that feature map differ from its input, and from the maps of larger filters?

(d) Name network architectures that use 1×1 convolutions, and say how they use them.

(e) Are there cases where a 1×1 convolution is not useful? Explain.

(f) A convolution layer with {q6_filters} filters of size 1×1 (stride 1, no padding, with
biases) is applied to an input of {q6_size}×{q6_size} pixels with {q6_channels} channels. Give
the output's height, width and number of channels, and the layer's number of trainable
parameters.

Answer (a) to (e) in a few sentences each, in English or Persian.
"""
Q6_TEXTS = (
    (
        "q6a_answer",
        "What 1×1 convolutions are for",
        """\
{points} points. Changing the number of channels per position, mostly reducing it (dimensionality
reduction, cheaper later layers) (1); mixing the channels with learned weights and adding a
nonlinearity (more depth at little cost) (1).
""",
        "They change the number of channels (usually reduce it, which cuts the computation of "
        "later layers) and mix the information of the channels at each position with learned "
        "weights, adding a nonlinearity at little cost.",
    ),
    (
        "q6b_answer",
        "What a 1×1 filter's feature map represents",
        """\
{points} points. Each output value is a learned weighted sum (linear combination) of the input
channels at the same position, plus a bias (then an activation): a fully connected layer
applied to the channel vector of every pixel.
""",
        "Each value is a learned weighted sum of all input channels at the same pixel (plus a "
        "bias, then the activation): a fully connected layer applied to each pixel's channels.",
    ),
    (
        "q6c_answer",
        "How its feature map differs",
        """\
{points} points. It keeps the input's height and width (1), and it combines channels only, with no
spatial neighbourhood: it detects no spatial pattern, unlike larger filters, whose maps
respond to patterns over neighbouring pixels (1).
""",
        "It has the same height and width as its input and recombines only the channels at each "
        "pixel; larger filters also mix neighbouring pixels and so respond to spatial patterns.",
    ),
    (
        "q6d_answer",
        "Architectures that use 1×1 convolutions",
        """\
{points} points, 1 per architecture with its use: Inception/GoogLeNet (1×1 reductions before the 3×3
and 5×5 convolutions, projection after pooling); ResNet bottleneck blocks (1×1 to reduce and
restore channels); also Network in Network, MobileNet (pointwise convolutions), SqueezeNet.
""",
        "Inception (GoogLeNet) reduces channels with 1×1 convolutions before its 3×3 and 5×5 "
        "convolutions and after pooling; ResNet's bottleneck blocks use 1×1 convolutions to "
        "reduce and then restore the channels; MobileNet's pointwise convolutions are 1×1.",
    ),
    (
        "q6e_answer",
        "When 1×1 convolutions do not help",
        """\
{points} points. Yes (0.5), with a case (1.5): inputs with very few channels (a grayscale or RGB
image at the first layer) where there is little to mix or reduce; small or shallow networks;
tasks needing spatial patterns, which a 1×1 filter cannot capture on its own; reducing the
channels too far loses information.
""",
        "Yes: on inputs with few channels (a grayscale or RGB image) there is little to mix or "
        "reduce, in small shallow networks they add little, and they cannot capture spatial "
        "patterns on their own; reducing channels too aggressively also loses information.",
    ),
)


# --------------------------------------------------------------------------------------------
# Q7: the Inception module


def _q7_params() -> dict[str, Any]:
    branches: tuple[Branch, ...] = (
        (("conv", 1, 16),),
        (("conv", 1, 16), ("conv", 3, 32)),
        (("conv", 1, 16), ("conv", 5, 32)),
        (("pool", 3), ("conv", 1, 16)),
    )
    return {"inc_size": 32, "inc_channels": 3, "inc_branches": branches}


def branch_output(branch: Branch, channels: int, *, bias: bool = True) -> tuple[int, int]:
    """(channels out, trainable parameters) of one branch fed ``channels`` channels."""
    count = 0
    for layer in branch:
        if layer[0] == "conv":
            _, kernel, filters = layer
            count += conv_params(kernel * kernel, channels, filters, bias=bias)
            channels = filters
    return channels, count


def inception_shape(params: Params) -> tuple[int, int, int]:
    """(height, width, channels): 'same' padding and stride 1 keep the size; the branches'
    channels are concatenated."""
    channels = sum(branch_output(b, params["inc_channels"])[0] for b in params["inc_branches"])
    return (params["inc_size"], params["inc_size"], channels)


def inception_params(params: Params, *, bias: bool = True) -> int:
    return sum(
        branch_output(b, params["inc_channels"], bias=bias)[1] for b in params["inc_branches"]
    )


def describe_branch(branch: Branch) -> str:
    """A branch as the question writes it: '1×1 conv (16) -> 3×3 conv (32)'."""
    steps = []
    for layer in branch:
        size = f"{layer[1]}×{layer[1]}"
        steps.append(
            f"{size} conv ({layer[2]} filters)" if layer[0] == "conv" else f"{size} max-pool"
        )
    return " -> ".join(steps)


Q7_PROMPT = """\
**An Inception module.** An Inception module receives a {inc_size}×{inc_size} input with
{inc_channels} channels and runs four branches in parallel on it:

{branch_list}

Every convolution has stride 1, 'same' padding, a bias per filter and a ReLU, and there is no
batch normalisation; the max-pooling has stride 1 and 'same' padding. The four branches'
outputs are concatenated along the channels. Give the module's output shape (height, width,
channels) and its number of trainable parameters.
"""


def _branch_list(params: Params) -> str:
    return "\n".join(
        f"{n}. {describe_branch(b)}" for n, b in enumerate(params["inc_branches"], start=1)
    )


# --------------------------------------------------------------------------------------------
# The homework

PARAMS: dict[str, Any] = {**_q3_params(), **_q6_params(), **_q7_params()}


def _text(variable: str, label: str, points: float, rubric: str, model: str) -> TextPart:
    return TextPart(Item(variable, label, points, "a string, English or Persian"), rubric, model)


def question_1() -> Question:
    return Question(
        id="hw3.q1",
        title="Learning rates and gradient descent",
        prompt=Q1_PROMPT,
        parts=(
            *(_text(v, label, pts, rubric, model) for v, label, pts, rubric, model in Q1_TEXTS),
            *curve_parts(),
        ),
        answer_help='(d): "batch" or "mini-batch" for each curve (Persian is accepted).',
    )


def q3_prompt(params: Params) -> str:
    """Q3's prompt template, with the network of these parameters."""
    return Q3_PROMPT.replace("{network}", network_text(params)).replace(
        "{last_filters}", str(params["filters"][-1])
    )


def question_3() -> Question:
    return Question(
        id="hw3.q3",
        title="Parameters of a 1-D CNN",
        prompt=q3_prompt,
        parts=(
            *cnn_parts(),
            _text("q3b_answer", "2-D vs 3-D convolution", 4.0, Q3B_RUBRIC, Q3B_MODEL),
        ),
        answer_help="Counts as whole numbers (an int, or a float such as 352.0).",
    )


def question_5() -> Question:
    return Question(
        id="hw3.q5",
        title="Strengths and limits of convolutional layers",
        prompt=Q5_PROMPT,
        parts=(
            _text("q5_answer", "Strengths and limits, with examples", 8.0, Q5_RUBRIC, Q5_MODEL),
        ),
    )


def question_6() -> Question:
    return Question(
        id="hw3.q6",
        title="1×1 convolutions",
        prompt=Q6_PROMPT,
        parts=(
            *(_text(v, label, 2.0, rubric, model) for v, label, rubric, model in Q6_TEXTS),
            *_shape_parts("q6f", pointwise_shape, 0.5, "1×1 convolution output"),
            NumberPart(
                Item("q6f_params", "1×1 convolution: trainable parameters", 1.5, "an integer"),
                lambda params: float(pointwise_params(params)),
                COUNT,
                ((NO_BIAS, lambda params: float(pointwise_params(params, bias=False))),),
            ),
        ),
        answer_help="Shapes and counts as whole numbers; the shape without a batch axis.",
    )


def q7_prompt(params: Params) -> str:
    """Q7's prompt template, with the branches of these parameters."""
    return Q7_PROMPT.replace("{branch_list}", _branch_list(params))


def question_7() -> Question:
    return Question(
        id="hw3.q7",
        title="An Inception module",
        prompt=q7_prompt,
        parts=(
            *_shape_parts("q7", inception_shape, 1.0, "Inception output"),
            NumberPart(
                Item("q7_params", "Inception module: trainable parameters", 4.0, "an integer"),
                lambda params: float(inception_params(params)),
                COUNT,
                ((NO_BIAS, lambda params: float(inception_params(params, bias=False))),),
            ),
        ),
        answer_help="Whole numbers; the shape without a batch axis, as (height, width, channels).",
    )


def homework() -> Homework:
    """HW3 as graded here; Q4 and Q7's training come from ``reference.training``."""
    params = PARAMS
    return Homework(
        id="hw3",
        title="Series 3: learning rates and convolutional networks",
        questions=(
            question_1(),
            question_3(),
            training.hw3_q4(),
            question_5(),
            question_6(),
            question_7(),
            training.hw3_q7(),
        ),
        params=params,
        limits=Limits(cell=30.0, notebook=120.0),
        setup=training.setup_source(),
        warm=training.WARM,
        persian=persian_names(),
    )


def persian_names() -> Names:
    """HW3's title, question titles and answer labels in Persian, for ``--lang fa`` reports."""
    items = {
        "q1a_answer": "نرخ یادگیری بیش از حد بالا",
        "q1b_answer": "نرخ یادگیری بیش از حد پایین",
        "q1c_answer": "نقاط زینی؛ مقایسهٔ Adam و SGD",
        "q1d_smooth": "نمودار هموار (سمت چپ)",
        "q1d_noisy": "نمودار پرنوسان (سمت راست)",
        "q3_conv1": "پارامترهای لایهٔ کانولوشن اول (Conv1D)",
        "q3_conv2": "پارامترهای لایهٔ کانولوشن دوم (Conv1D)",
        "q3_conv3": "پارامترهای لایهٔ کانولوشن سوم (Conv1D)",
        "q3_dense1": "پارامترهای لایهٔ Dense اول",
        "q3_dense2": "پارامترهای لایهٔ Dense دوم",
        "q3_total": "تعداد کل پارامترهای قابل آموزش",
        "q3b_answer": "کانولوشن دوبعدی در برابر سه‌بعدی",
        "q4_sequential": "نسخهٔ ساخته‌شده با nn.Sequential",
        "q4_module": "نسخهٔ زیرکلاسِ nn.Module",
        "q4_accuracy": "دقت آزمونی که خودتان اندازه گرفتید",
        "q5_answer": "نقاط قوت و محدودیت‌ها، با مثال",
        "q6a_answer": "کاربرد کانولوشن‌های 1×1",
        "q6b_answer": "نقشهٔ ویژگی یک فیلتر 1×1 چه چیزی را نشان می‌دهد",
        "q6c_answer": "تفاوت نقشهٔ ویژگی آن با فیلترهای دیگر",
        "q6d_answer": "معماری‌هایی که از کانولوشن 1×1 استفاده می‌کنند",
        "q6e_answer": "وقتی کانولوشن 1×1 کمکی نمی‌کند",
        "q6f_height": "خروجی کانولوشن 1×1: ارتفاع",
        "q6f_width": "خروجی کانولوشن 1×1: عرض",
        "q6f_channels": "خروجی کانولوشن 1×1: تعداد کانال‌ها",
        "q6f_params": "کانولوشن 1×1: تعداد پارامترهای قابل آموزش",
        "q7_height": "خروجی ماژول Inception: ارتفاع",
        "q7_width": "خروجی ماژول Inception: عرض",
        "q7_channels": "خروجی ماژول Inception: تعداد کانال‌ها",
        "q7_params": "ماژول Inception: تعداد پارامترهای قابل آموزش",
        "inception_block": "ماژول Inception برای ورودی سه‌کاناله",
        "inception_model": "طبقه‌بند آموزش‌دیده بر پایهٔ این ماژول",
        "inception_accuracy": "دقت آزمونی که خودتان اندازه گرفتید",
    }
    return Names(
        title="تمرین سری سوم: نرخ یادگیری و شبکه‌های کانولوشنی",
        questions={
            "hw3.q1": "نرخ یادگیری و گرادیان کاهشی",
            "hw3.q3": "تعداد پارامترهای یک شبکهٔ کانولوشنی یک‌بعدی",
            "hw3.q4": "طبقه‌بند دودویی تصویر، به دو روش پیاده‌سازی",
            "hw3.q5": "نقاط قوت و محدودیت‌های لایه‌های کانولوشنی",
            "hw3.q6": "کانولوشن‌های 1×1",
            "hw3.q7": "ساختار یک ماژول Inception",
            "hw3.q7-train": "ماژول Inception، ساخته و آموزش‌داده‌شده",
        },
        items=items,
    )
