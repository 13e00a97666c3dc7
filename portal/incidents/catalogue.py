"""The behaviour categories of §5.2 and the example types of §5.4, §6, §6.3, §6.5 and §6.7."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.enums import TitledEnum


class Category(TitledEnum):
    AGGRESSIVE = "aggressive_or_abusive"
    CONDUCT = "unreasonable_conduct"
    PERSISTENCE = "unreasonable_persistence"
    DEMANDS = "unreasonable_demands"
    CONTACT = "unreasonable_levels_of_contact"
    REFUSAL = "refusal_to_cooperate"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.AGGRESSIVE: _l("Aggressive or abusive behaviour"),
            cls.CONDUCT: _l("Unreasonable conduct"),
            cls.PERSISTENCE: _l("Unreasonable persistence"),
            cls.DEMANDS: _l("Unreasonable demands"),
            cls.CONTACT: _l("Unreasonable levels of contact"),
            cls.REFUSAL: _l("Unreasonable refusal to co-operate"),
        }


# Each example type belongs to one category; keys are stored, titles are shown.
EXAMPLES: dict[Category, dict[str, object]] = {
    Category.AGGRESSIVE: {
        "threats": _l("Threats"),
        "physical_violence": _l("Physical violence"),
        "verbal_abuse": _l("Personal verbal abuse"),
        "written_abuse": _l("Personal written, texted or social media abuse"),
        "derogatory_remarks": _l("Derogatory remarks"),
        "rudeness": _l("Excessive and unreasonable rudeness"),
        "inflammatory": _l("Inflammatory statements or unsubstantiated allegations"),
        "social_media_personal": _l("Contacting colleagues through personal details or accounts"),
        "harassment": _l("Harassment of colleagues or representatives"),
        "false_allegations": _l("False allegations about an officer or the organisation"),
        "discriminatory_comments": _l("Racist, homophobic or other discriminatory comments"),
    },
    Category.PERSISTENCE: {
        "refuses_decision": _l("Refuses to accept a decision on a complaint or service request"),
        "refuses_explanations": _l("Refuses to accept explanations of what we can do"),
        "no_new_information": _l("Pursues an issue without any new information"),
        "routes_exhausted": _l("Pursues a matter after statutory appeal routes are exhausted"),
    },
    Category.DEMANDS: {
        "unreasonable_timescale": _l("Demands a response within an unreasonable timescale"),
        "specific_colleague": _l("Insists on, or refuses, a particular colleague on all matters"),
        "changes_substance": _l("Repeatedly changes the substance of a complaint"),
        "unrelated_concerns": _l("Repeatedly raises unrelated concerns"),
        "unclear_issues": _l("Does not identify the issues despite help"),
        "denies_response": _l("Denies receiving an adequate response"),
        "not_our_responsibility": _l("Pursues concerns that are not our responsibility"),
    },
    Category.CONTACT: {
        "excessive_written": _l("Excessive contact in writing or by email"),
        "excessive_calls": _l("Excessive or excessively long phone calls"),
        "excessive_social_media": _l("Excessive contact through social media"),
        "reading_time": _l("Time needed to read and answer correspondence"),
    },
    Category.REFUSAL: {
        "access_essential": _l("Refused access for essential works"),
        "access_non_essential": _l("Refused access for non-essential works"),
        "refuses_designated_colleague": _l("Refuses to engage with the designated colleague"),
        "does_not_engage": _l("Does not engage with a service request or complaint"),
    },
    Category.CONDUCT: {
        "other_conduct": _l("Other unreasonable conduct"),
    },
}

EXAMPLE_CATEGORY: dict[str, Category] = {
    key: category for category, examples in EXAMPLES.items() for key in examples
}

# Example types that make a report serious under §8.1 by themselves (see incidents/rules.py).
SERIOUS_EXAMPLES = frozenset({"threats", "physical_violence", "discriminatory_comments"})


def example_title(key: str) -> str:
    category = EXAMPLE_CATEGORY.get(key)
    return str(EXAMPLES[category][key]) if category else key


class ProtectedCharacteristic(TitledEnum):
    """The protected characteristics listed in §5.5."""

    AGE = "age"
    SEX = "sex"
    MARITAL_STATUS = "marital_status"
    DISABILITY = "disability"
    GENDER_REASSIGNMENT = "gender_reassignment"
    SEXUAL_ORIENTATION = "sexual_orientation"
    RELIGION = "religion_or_belief"
    PREGNANCY = "pregnancy"
    RACE = "race"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.AGE: _l("Age"),
            cls.SEX: _l("Sex"),
            cls.MARITAL_STATUS: _l("Marital status"),
            cls.DISABILITY: _l("Disability"),
            cls.GENDER_REASSIGNMENT: _l("Gender reassignment"),
            cls.SEXUAL_ORIENTATION: _l("Sexual orientation"),
            cls.RELIGION: _l("Religion or belief"),
            cls.PREGNANCY: _l("Pregnancy"),
            cls.RACE: _l("Race"),
        }


class Channel(TitledEnum):
    """Where, or through which channel, the incident happened."""

    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    SOCIAL_MEDIA = "social_media"
    OFFICE = "office"
    HOME_VISIT = "home_visit"
    OTHER = "other"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.PHONE: _l("Phone"),
            cls.EMAIL: _l("Email"),
            cls.LETTER: _l("Letter"),
            cls.SOCIAL_MEDIA: _l("Social media"),
            cls.OFFICE: _l("Office"),
            cls.HOME_VISIT: _l("Home visit"),
            cls.OTHER: _l("Somewhere else"),
        }


class ManagerDecision(TitledEnum):
    """What the colleague and line manager decided under §8.3."""

    POLICE = "report_to_police"
    LEGAL = "legal_action"
    END_CONTACT = "end_contact_for_period"
    NONE = "no_further_immediate_action"

    @classmethod
    def titles(cls) -> dict:
        return {
            cls.POLICE: _l("Report to the police"),
            cls.LEGAL: _l("Pursue legal action (for example a without-notice injunction)"),
            cls.END_CONTACT: _l("End all contact for a period"),
            cls.NONE: _l("No further immediate action"),
        }
