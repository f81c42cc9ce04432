"""Every strategy chosen by name shares one registry shape and one error message."""

from __future__ import annotations

import pytest

from posecoach import skeletons
from posecoach.align import get_aligner
from posecoach.align.base import AlignmentError
from posecoach.classify.models import get_model
from posecoach.errors import InputError
from posecoach.extract.base import get_backend
from posecoach.io.registry import FormatError, get_format
from posecoach.registry import Registry, unknown_name


def test_registry_is_case_insensitive_and_lists_sorted_names() -> None:
    r: Registry[int] = Registry("number")
    r.register("Two", 2)
    r.register("one", 1)
    assert r.get(" TWO ") == 2
    assert r.names() == ["one", "two"]
    assert list(r) == ["one", "two"] and len(r) == 2 and "ONE" in r


def test_replace_false_refuses_a_different_item_but_accepts_the_same() -> None:
    r: Registry[int] = Registry("number")
    r.register("one", 1)
    assert r.register("one", 1, replace=False) == 1
    with pytest.raises(InputError, match="a different number named 'one'"):
        r.register("one", 11, replace=False)
    assert r.get("one") == 1


def test_unknown_name_suggests_the_closest_name_only_when_close() -> None:
    assert unknown_name("kind", "simlarity", ["affine", "similarity"]).endswith(
        "(did you mean 'similarity'?)"
    )
    assert "did you mean" not in unknown_name("kind", "zzz", ["affine", "similarity"])


@pytest.mark.parametrize(
    ("lookup", "error", "kind"),
    [
        (lambda: get_aligner("simlarity"), AlignmentError, "aligner"),
        (lambda: get_format("openpse"), FormatError, "format"),
        (lambda: get_backend("mediapip"), InputError, "pose backend"),
        (lambda: get_model("knnn"), InputError, "model"),
        (lambda: skeletons.get("coco_71"), skeletons.SkeletonError, "skeleton"),
    ],
)
def test_every_kind_raises_its_own_error_with_one_message_shape(lookup, error, kind) -> None:
    with pytest.raises(error) as info:
        lookup()
    message = str(info.value)
    assert message.startswith(f"unknown {kind} '")
    assert "; expected one of [" in message
    assert "(did you mean '" in message
