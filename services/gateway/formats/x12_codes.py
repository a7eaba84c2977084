"""Wording of the X12 error codes a 997, 999 or TA1 carries, for the human `reason` of a
failure. These codes decide no event (the mapping rows in `services.gateway.mapping.x12`
do), so they are text only; a code not listed is shown bare.

Sources: X12 data element dictionary 004010/005010: 718 Transaction Set Syntax Error Code
(AK502-AK506), 618 Implementation Transaction Set Syntax Error Code (IK502-IK506), 720/620
Segment Syntax Error Code (AK304/IK304), 723/621 Data Element Syntax Error Code
(AK403/IK403), 716 Functional Group Syntax Error Code (AK905-AK909) and I18 Interchange
Note Code (TA105).
"""

_718 = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "8": "authentication key name unknown",
    "9": "encryption key name unknown",
    "10": "requested service (authentication or encryption) not available",
    "11": "unknown security recipient",
    "12": "incorrect message length (encryption only)",
    "13": "message authentication code failed",
    "15": "unknown security originator",
    "16": "syntax error in decrypted text",
    "17": "security not supported",
    "18": "transaction set not in functional group",
    "19": "invalid transaction set implementation convention reference",
    "23": "transaction set control number not unique within the functional group",
    "I5": "implementation one or more segments in error",
    "I6": "implementation convention not supported",
}
_720 = {
    "1": "unrecognized segment id",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": 'implementation "not used" segment present',
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": 'implementation dependent "not used" segment present',
}
_723 = {
    "1": "mandatory data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I10": 'implementation "not used" data element present',
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": 'implementation dependent "not used" data element present',
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
}
_716 = {
    "1": "functional group not supported",
    "2": "functional group version not supported",
    "3": "functional group trailer missing",
    "4": "group control number in the functional group header and trailer do not agree",
    "5": "number of included transaction sets does not match actual count",
    "6": "group control number violates syntax",
    "18": "message authentication code failed",
    "19": "functional group control number not unique within interchange",
}
_I18 = {
    "000": "no error",
    "001": "interchange control number in header and trailer do not match",
    "002": "this standard as noted in the control standards identifier is not supported",
    "003": "this version of the controls is not supported",
    "004": "the segment terminator is invalid",
    "005": "invalid interchange id qualifier for sender",
    "006": "invalid interchange sender id",
    "007": "invalid interchange id qualifier for receiver",
    "008": "invalid interchange receiver id",
    "009": "unknown interchange receiver id",
    "010": "invalid authorization information qualifier value",
    "011": "invalid authorization information value",
    "012": "invalid security information qualifier value",
    "013": "invalid security information value",
    "014": "invalid interchange date value",
    "015": "invalid interchange time value",
    "016": "invalid interchange standards identifier value",
    "017": "invalid interchange version id value",
    "018": "invalid interchange control number value",
    "019": "invalid acknowledgment requested value",
    "020": "invalid test indicator value",
    "021": "invalid number of included groups value",
    "022": "invalid control structure",
    "023": "improper (premature) end-of-file (transmission)",
    "024": "invalid interchange content (e.g. invalid gs segment)",
    "025": "duplicate interchange control number",
    "026": "invalid data element separator",
    "027": "invalid component element separator",
}
_LISTS = {
    "AK502": _718,
    "IK502": _718,
    "AK304": _720,
    "IK304": _720,
    "AK403": _723,
    "IK403": _723,
    "AK905": _716,
    "TA105": _I18,
}


def note(element: str, code: str) -> str:
    """``"AK502 5 one or more segments in error"``: an error code with its wording.
    `element` is the first element of its kind (AK502 for AK502-AK506, AK905 for
    AK905-AK909); KeyError if it is not one of the lists above."""
    meaning = _LISTS[element].get(code)
    return f"{element} {code} {meaning}" if meaning else f"{element} {code}"
