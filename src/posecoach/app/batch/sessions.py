"""Batch sessions into the store, so the web app's people and history show them.

Each compared input (it has a score) becomes one session of a person
(:meth:`posecoach.store.Store.add_batch_session`): the person is ``person``, or, with
``person="{folder}"``, the first folder of the input's place in the tree
(``alice/set1.mp4`` -> ``alice``). A re-run stores nothing twice (the input's key).

Example
-------
>>> person_for("{folder}", "alice/monday/set1"), person_for("Bob", "x")
('alice', 'Bob')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from posecoach.app.batch.summary import Row
from posecoach.errors import InputError

__all__ = ["FOLDER", "StoreSessions", "person_for"]

#: The ``person`` value that names each input's person by its first folder.
FOLDER = "{folder}"


def person_for(person: str, output: str) -> str:
    """The person of the input whose results are at ``output`` (relative stem)."""
    if person != FOLDER:
        return person
    parts = Path(output).parts
    if len(parts) < 2:
        raise InputError(
            f"--person {FOLDER}: expected the input {output!r} inside a folder named "
            "after its person"
        )
    return parts[0]


class StoreSessions:
    """Records batch sessions in a :class:`~posecoach.store.Store`.

    Parameters
    ----------
    store
        An open store (closed by the caller).
    person
        A person's name, or :data:`FOLDER`.
    reference
        The reference (file or folder) the inputs were compared with.
    outdir
        The batch's output folder (the sessions name their result files there).
    exercise
        Groups the sessions in the history plot.
    """

    def __init__(
        self, store: Any, person: str, reference: str | Path, outdir: Path, exercise: str = ""
    ) -> None:
        self.store = store
        self.person = person
        self.reference = str(Path(reference).absolute())
        self.outdir = Path(outdir).absolute()
        self.exercise = exercise
        self.added = 0
        self.errors: list[str] = []

    def record(self, row: Row, result: dict[str, Any] | None, key: str) -> None:
        """Store one compared input (once per key); errors are kept, not raised."""
        if row.score is None or not key:
            return
        data = dict(result or {"score": row.score})
        data["files"] = {}  # its files are in the batch folder, not in the data dir
        data["batch"] = {"outdir": str(self.outdir), "output": row.output, "input": row.input}
        try:
            _, new = self.store.add_batch_session(
                key,
                person=person_for(self.person, row.output),
                reference=self.reference,
                attempt=row.input,
                score=row.score,
                outdir=str(self.outdir / Path(row.output).parent),
                data=data,
                exercise=self.exercise,
                label=row.output,
            )
        except Exception as exc:  # a database error must not stop the batch
            self.errors.append(f"{row.input}: not stored ({exc})")
            return
        self.added += int(new)
