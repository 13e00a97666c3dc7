"""The customer's appeal forms, one question a page, and how a refusal is said to the customer
(the services speak to staff, in English; these words are translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.appeals import lodging
from portal.appeals.models import FORMATS, Appeal
from portal.errors import ServiceError, code_of
from portal.forms import BaseForm
from portal.uploads import clean_filename

LONG_TEXT = 5000


class AnswerForm(BaseForm):
    """One page of the draft appeal: its fields (``answered``) are the appeal's, by name."""

    answered: tuple[str, ...] = ()

    @classmethod
    def kept(cls, appeal: Appeal) -> dict:
        """The answers kept so far, shown again."""
        return {name: getattr(appeal, name) for name in cls.answered}

    def answers(self) -> lodging.Answers:
        """The answers on this page, to keep on the draft."""
        return lodging.Answers(**{name: self[name].data or "" for name in self.answered})


class ReasonsForm(AnswerForm):
    answered = ("grounds",)

    grounds = TextAreaField(
        _l("Why should we change our decision?"),
        validators=[
            InputRequired(_l("Tell us why the decision should be changed")),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters or send a file")),
        ],
    )


class NewInformationForm(AnswerForm):
    answered = ("new_information",)

    new_information = TextAreaField(
        _l("Is there anything we did not know when we made the decision?"),
        validators=[
            Optional(),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters or send a file")),
        ],
    )
    # On the same form as the text, so adding or removing a file keeps what was typed.
    evidence = FileField(_l("Send a file"))

    def file_chosen(self):
        """The file the customer chose on this page, if they chose one."""
        upload = self.evidence.data
        return upload if upload is not None and getattr(upload, "filename", "") else None

    def ask_for_file_again(self) -> None:
        """Say beside the file field that a chosen file was not kept and must be chosen again
        (no browser keeps a file in a page sent back with errors)."""
        upload = self.file_chosen()
        if upload is not None and not self.evidence.errors:
            self.evidence.errors = [
                str(
                    _l(
                        "Your file %(name)s has not been added. Choose it again, then select "
                        "Add this file.",
                        name=clean_filename(upload.filename),
                    )
                )
            ]


# "Support you need" asks one question a page (the GOV.UK pattern), in this order.


class InterpreterForm(AnswerForm):
    answered = ("needs_interpreter", "interpreter_language")

    needs_interpreter = RadioField(
        _l("Do you need an interpreter?"),
        choices=[("yes", _l("Yes")), ("no", _l("No"))],
        validators=[InputRequired(_l("Say whether you need an interpreter"))],
    )
    interpreter_language = StringField(
        _l("Which language?"), validators=[Optional(), Length(max=80)]
    )

    @classmethod
    def kept(cls, appeal: Appeal) -> dict:
        # Only the customer's own answer: never a "no" they did not give.
        answered = {True: "yes", False: "no"}.get(appeal.needs_interpreter)
        return {**super().kept(appeal), "needs_interpreter": answered}

    def answers(self) -> lodging.Answers:
        answers = super().answers()
        answers.needs_interpreter = self.needs_interpreter.data == "yes"
        return answers


class LettersForm(AnswerForm):
    answered = ("preferred_format",)

    preferred_format = RadioField(
        _l("How would you like our letters?"),
        choices=list(FORMATS.items()),
        default="",
        validators=[Optional()],
    )


class RepresentativeForm(AnswerForm):
    answered = ("representative",)

    representative = StringField(
        _l("Someone who represents you (name and how to contact them)"),
        validators=[Optional(), Length(max=200)],
    )


class OtherSupportForm(AnswerForm):
    answered = ("other_support",)

    other_support = TextAreaField(
        _l("Any other help you need"), validators=[Optional(), Length(max=2000)]
    )


# The support questions in order: the part of the address after /support, and its form.
SUPPORT_QUESTIONS: dict[str, type[AnswerForm]] = {
    "interpreter": InterpreterForm,
    "letters": LettersForm,
    "representative": RepresentativeForm,
    "other": OtherSupportForm,
}


class LateForm(AnswerForm):
    answered = ("late_reason",)

    late_reason = TextAreaField(
        _l("Why is your appeal late?"),
        validators=[
            InputRequired(_l("Tell us why the appeal is late")),
            Length(max=LONG_TEXT, message=_l("Keep this to 5000 characters")),
        ],
    )


class SendForm(BaseForm):
    submission_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Answers the appeal cannot be sent without: {answer's name: message}, shown in the
        # error summary and beside that answer on the check page.
        self.missing: dict[str, str] = {}

    def error_list(self) -> list[tuple[str, str]]:
        return [*super().error_list(), *self.missing.items()]


# The customer's own words for a refusal, by its code (portal/errors.Problem), where the
# service's words are for staff; any other refusal is shown as the service says it, in the
# language of the page.
CUSTOMER_WORDS = {
    "appeal.appealed": _l("You have already appealed against this decision."),
    "appeal.final": _l(
        "Your appeal against this decision has been dealt with, and there is no further appeal."
    ),
    "appeal.not_open": _l("This decision is no longer in force, so there is nothing to appeal."),
    "upload.type": _l("Send a PDF, photo (JPG or PNG), Word document, text, email or audio file"),
    # Nothing of the file was kept, and the customer cannot reach the portal's administrator.
    "upload.storage": _l("We could not save your file. The problem is ours: send it again later."),
}
# Why an appeal cannot be started or sent, said to the customer.
REFUSALS = ("appeal.appealed", "appeal.final", "appeal.not_open")


def said_to_customer(message) -> str:
    """One of a service's messages as the customer is told it, in the language of the page."""
    words = CUSTOMER_WORDS.get(code_of(message))
    return str(words if words is not None else message)


def refusal(exc: ServiceError) -> str:
    """Why the appeal cannot be started or sent, in the customer's words."""
    problem = exc.problem(*REFUSALS)
    if problem is not None:
        return said_to_customer(problem)
    return str(_l("You have already sent this appeal."))


def place_errors(form, exc: ServiceError) -> None:
    """Put each refusal beside its field, or above the form."""
    for name, message in exc.errors.items():
        field = getattr(form, name, None) if name else None
        if field is not None:
            field.errors = [said_to_customer(message)]
        else:
            form.form_errors.append(refusal(exc))
