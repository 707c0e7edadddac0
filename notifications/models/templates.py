"""Staff versions of participant-facing texts, per language, over the code defaults."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Participant, TimeStampedModel


class MessageTemplate(TimeStampedModel):
    """The text staff wrote for one key and language; without it the default is used."""

    key = models.CharField(_("text"), max_length=64)
    language = models.CharField(
        _("language"), max_length=2, choices=Participant.Language
    )
    text = models.TextField(_("wording"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("message text")
        verbose_name_plural = _("message texts")
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "language"], name="messagetemplate_unique_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"

    def clean(self) -> None:
        from notifications.formatting import text_problems
        from notifications.texts import editable_texts

        spec = editable_texts().get(self.key)
        if spec is None:
            raise ValidationError({"key": _("There is no text with this key.")})
        problems = text_problems(self.text, variables=spec.variables)
        if problems:
            raise ValidationError({"text": problems})
