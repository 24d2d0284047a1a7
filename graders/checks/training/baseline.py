"""Baselines the grader computes itself from the data (not from the student's answers).

In:  a dataset's training split and the grader's held-out examples (``Images``).
Out: ``linear_accuracy``, the held-out accuracy of a logistic regression the grader fits.

This fits a model, so it is not a check: the parts call it once per dataset and batch (memoised
on the batch's ``DataShelf``) and hand the figure to the pure verdicts.
"""

from __future__ import annotations

import numpy as np

from graders.runtime.data import Images

LINEAR_SAMPLE = 5000  # training examples the linear baseline is fitted on, at most


def linear_accuracy(train: Images, test: Images, invert: bool = False) -> float:
    """Held-out accuracy of a multinomial logistic regression the grader fits itself on (at
    most ``LINEAR_SAMPLE``) training examples: what a linear model reaches on this data.
    ``invert`` adds the inverted copy (255 - x) of every training and test image."""
    from sklearn.linear_model import LogisticRegression

    def flat(images: Images) -> tuple[np.ndarray, np.ndarray]:
        x = images.images.reshape(len(images), -1).astype(float) / 255
        y = images.labels
        if invert:
            x, y = np.concatenate([x, 1 - x]), np.concatenate([y, y])
        return x, y

    x_train, y_train = flat(train.take(slice(0, LINEAR_SAMPLE)))
    x_test, y_test = flat(test)
    model = LogisticRegression(max_iter=300, C=1.0)
    model.fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test))
