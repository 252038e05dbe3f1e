"""Text as XML can carry it: XML 1.0 forbids most C0 control characters (a vertical tab pasted from Word,
a NUL), and one such character makes a whole Atom or RSS document ill-formed. Text is cleaned when it is
stored (Event, Source) and again when a feed is written, for rows stored before.
"""

import re

# Everything XML 1.0 does not allow: C0 controls other than tab, newline and carriage return, lone
# surrogates, U+FFFE and U+FFFF. A run of them (and a space either side) becomes one space.
_XML_ILLEGAL = re.compile(" ?[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+ ?")


def xml_safe(text):
    """`text` without characters that XML 1.0 cannot hold; anything not a str is returned as it is."""
    if not isinstance(text, str) or not _XML_ILLEGAL.search(text):
        return text
    return _XML_ILLEGAL.sub(" ", text)
