"""The notices every face shows: not official guidance, and the Open Government Licence attribution.

One home for their words. The corpus is Crown copyright under the Open Government Licence v3.0,
so the attribution goes wherever examples are shown or exported: answers, the app's footer,
session packs, LangChain documents and the HTTP API's description.
"""

OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0"
SOURCE = "Source: HM Inspectorate of Probation. Names in examples are pseudonyms."

# one line each, plain text (LangChain metadata, API description) and in an answer's Markdown
ATTRIBUTION = f"{LICENCE}. {SOURCE}"
ANSWER_ATTRIBUTION = f"_{LICENCE} ({OGL_URL}). {SOURCE}_"
APP_ATTRIBUTION = f"{LICENCE.replace('Open Government Licence v3.0', f'[Open Government Licence v3.0]({OGL_URL})')}. {SOURCE}"
PACK_ATTRIBUTION = f"{LICENCE}. {OGL_URL}"

# under every answer, and (longer) in the app's footer and About tab
ANSWER_NOTICE = ("_Not official guidance: this shows practice from inspected cases. Decisions rest with you, "
                 "your SPO and policy._")
APP_NOTICE = ("This assistant is not official guidance and is not endorsed by HM Inspectorate of Probation or "
              "HM Prison and Probation Service. Decisions rest with you, your SPO and policy. "
              "Do not enter real case details.")
PACK_NOTICE = ("Source: HM Inspectorate of Probation effective practice. Names in examples are pseudonyms. "
               "This pack is not official guidance and does not imply endorsement by HM Inspectorate of "
               "Probation or HM Prison and Probation Service.")
