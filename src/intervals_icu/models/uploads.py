"""What an activity upload returns: the platform's ``UploadResponse`` plus whether anything new
was created (201) or every activity in the file was already there (200, API-NOTES §4.5)."""

from __future__ import annotations

from dataclasses import dataclass

from intervals_icu.models._generated import UploadResponse

__all__ = ["UploadResult"]


@dataclass(frozen=True)
class UploadResult:
    """The outcome of ``client.activities.upload()``.

    Uploads are de-duplicated by a hash of the file, so sending the same file twice is safe:
    the second answer has ``created=False`` and names the activities made the first time.
    That is how a failed or timed-out upload is reconciled: upload the same file again.
    """

    created: bool
    """True (HTTP 201) when at least one new activity was made; False (HTTP 200) when every
    activity in the file already existed."""
    response: UploadResponse
    """The platform's body, as sent."""

    @property
    def activity_ids(self) -> list[str]:
        """Ids of the activities in the file (a multisport file or a zip gives several)."""
        ids = [a.id for a in self.response.activities or [] if a.id]
        if not ids and self.response.id:
            ids = [self.response.id]
        return ids

    @property
    def id(self) -> str | None:
        """The first activity's id."""
        return self.response.id or next(iter(self.activity_ids), None)

    @property
    def athlete_id(self) -> str | None:
        return self.response.icu_athlete_id
