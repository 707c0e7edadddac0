"""Forms of the mailing admin."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.images import photo_prepare
from notifications.formatting import buttons_parse
from notifications.models import Mailing
from notifications.services.audience import AUDIENCE_FIELDS


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = [
            "title",
            "text",
            "photo",
            "buttons",
            "shifts",
            *AUDIENCE_FIELDS,
            "scheduled_at",
            "send_until",
            "quiet_from",
            "quiet_to",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8}),
            "buttons": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return photo_prepare(photo)
        return photo

    def clean(self):
        cleaned = super().clean()
        # What Telegram would refuse, shown on the fields (the photo makes the
        # text a caption, with a lower limit).
        text, buttons = cleaned.get("text"), cleaned.get("buttons")
        if text is not None:
            sample = Mailing(text=text, photo=cleaned.get("photo") or "")
            for problem in sample.text_problems():
                self.add_error("text", problem)
        if buttons:
            for problem in buttons_parse(buttons)[1]:
                self.add_error("buttons", problem)
        if self.instance.pk:
            status = (
                Mailing.objects.filter(pk=self.instance.pk)
                .values_list("status", flat=True)
                .first()
            )
            if status not in Mailing.EDITABLE_STATUSES:
                raise forms.ValidationError(
                    gettext("Only a draft can be changed; duplicate it instead.")
                )
        return cleaned


class AudienceForm(forms.ModelForm):
    """The audience part of the mailing form, for the live recipient count."""

    class Meta:
        model = Mailing
        fields = ["shifts", *AUDIENCE_FIELDS]

    def _post_clean(self) -> None:
        # Only the fields are wanted; the mailing as a whole is not validated here.
        pass


class SendTestForm(forms.Form):
    chat_id = forms.IntegerField(
        label=_("Your Telegram chat ID"),
        help_text=_("Your Telegram user ID; write /start to the bot first."),
    )
