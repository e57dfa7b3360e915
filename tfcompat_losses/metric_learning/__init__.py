"""``tf.contrib.losses.metric_learning`` (TF 1.4-1.15) on TensorFlow 2.

Contrib's metric-learning losses with contrib's names, signatures, values
and gradients, in eager mode, in ``tf.function``, in TF1 graphs and (all but
:func:`cluster_loss`) under XLA (``jit_compile=True``):

* :func:`pairwise_distance`, :func:`contrastive_loss`, :func:`npairs_loss`,
  :func:`npairs_loss_multilabel`: contrib's formulas, op for op.
* :func:`triplet_semihard_loss`: contrib tiled the ``[B, B]`` distance
  matrix to ``[B*B, B]`` (``O(B^3)`` memory: 4 GB per tensor at ``B=1024``).
  Here each anchor is visited once per member of its class: the semi-hard
  negative of the pair is a masked minimum over the anchor's row, with
  contrib's rounding, so ``O(B^2 K)`` time for classes of at most ``K``
  samples and ``O(B^2)`` memory; the gradient is contrib's, ties included
  (tied negatives share it equally, as ``reduce_min``'s gradient splits it).
* :func:`lifted_struct_loss`: contrib's ``[B*B, B]`` log-sum-exp factorised
  into per-row sums, ``O(B^2)``.
* :func:`cluster_loss`: no scikit-learn and no ``py_func``: the clustering
  scores (NMI, AMI, ARI, V-measure) are computed from contingency tables with
  TF ops, the greedy facility location and PAM refinement run in
  ``tf.while_loop``.

Where contrib returned NaN, these return a defined value (documented per
function): a batch without positive pairs gives a loss of 0 with a zero
gradient, as the library's weighting rule does for an all-zero weight.

None of these losses is added to the ``LOSSES`` collection (contrib's
metric-learning module did not add them either).

Modules, by loss family: ``_checks`` (arguments), ``_distance``
(``pairwise_distance``, masked reductions), ``_rows`` (classes and anchor
blocks shared by the mining losses), ``_triplet``, ``_lifted``,
``_contrastive``, ``_npairs``, ``_scores`` (clustering scores) and
``_cluster``. Each imports only from the ones before it.
"""

from __future__ import annotations

from ._cluster import PAM_MAX_ITER as PAM_MAX_ITER
from ._cluster import cluster_loss
from ._contrastive import contrastive_loss
from ._distance import masked_maximum, masked_minimum, pairwise_distance
from ._lifted import lifted_struct_loss
from ._npairs import npairs_loss, npairs_loss_multilabel
from ._scores import MARGIN_TYPES as MARGIN_TYPES
from ._triplet import triplet_semihard_loss

__all__ = [
    "cluster_loss",
    "contrastive_loss",
    "lifted_struct_loss",
    "masked_maximum",
    "masked_minimum",
    "npairs_loss",
    "npairs_loss_multilabel",
    "pairwise_distance",
    "triplet_semihard_loss",
]

# The functions live in the submodules: list them for doctest.testmod(this).
__test__ = {name: globals()[name] for name in __all__}
