"""The CWE of each bandit test: bandit's own where it names the weakness, the gate's where not.

A finding's first CWE is its weakness, the one GitHub code scanning shows and filters on
and the one the gate matches duplicates by. Bandit 1.9.4 tags several tests with the CWE of
a neighbouring weakness (``exec``/``eval`` as OS command injection, a weak hash as any
broken algorithm, the XML parsers as improper input validation) and tags imports as if
they were uses. Every test id bandit 1.9.4 ships is reviewed below: ``bandit`` is the CWE
bandit gives, ``cwe`` what the gate puts on the finding, and ``reason`` says why they
differ (empty when the gate keeps bandit's). Import-only tests report an ``import`` and
carry no weakness CWE.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Entry:
    """One bandit test: its name, bandit's CWE (0: none), the gate's CWEs and why."""

    name: str
    bandit: int
    cwe: tuple[int, ...]
    reason: str = ""


_IMPORT = "reports an import, not a use of it: no weakness until the module is used"
_XML = ("the stdlib parser does not fetch external entities (Python 3.7.1+) but expands "
        "entities: entity expansion (776), not input validation (20)")
_SAX = _XML + "; 611 when the file switches a SAX parser's external general entities on"
_XSS = "output not escaped is cross-site scripting (79), as B308/B704 and the packs say"
_ERROR = ("an exception caught and dropped is an error detected without action (390); "
          "703 is a pillar")

BANDIT_CWE: Final[Mapping[str, Entry]] = {
    "B101": Entry("assert_used", 703, (703,)),
    "B102": Entry("exec_used", 78, (95, 94),
                  "exec runs Python, not an OS command: eval injection (95), child of 94"),
    "B103": Entry("set_bad_file_permissions", 732, (732,)),
    "B104": Entry("hardcoded_bind_all_interfaces", 605, (1327,),
                  "listening on every interface is binding to an unrestricted address "
                  "(1327); 605 is several sockets on one port"),
    "B105": Entry("hardcoded_password_string", 259, (259,)),
    "B106": Entry("hardcoded_password_funcarg", 259, (259,)),
    "B107": Entry("hardcoded_password_default", 259, (259,)),
    "B108": Entry("hardcoded_tmp_directory", 377, (377,)),
    "B110": Entry("try_except_pass", 703, (390,), _ERROR),
    "B112": Entry("try_except_continue", 703, (390,), _ERROR),
    "B113": Entry("request_without_timeout", 400, (400,)),
    "B201": Entry("flask_debug_true", 94, (489,),
                  "debug=True is active debug code (489); the debugger's console is its "
                  "consequence, not code injection"),
    "B202": Entry("tarfile_unsafe_members", 22, (22,)),
    "B301": Entry("pickle", 502, (502,)),
    "B302": Entry("marshal", 502, (502,)),
    "B303": Entry("md5", 327, (328,),
                  "MD2/MD4/MD5/SHA-1 are weak hashes (328), the child of 327 that names them"),
    "B304": Entry("ciphers", 327, (327,)),
    "B305": Entry("cipher_modes", 327, (327,)),
    "B306": Entry("mktemp_q", 377, (377,)),
    "B307": Entry("eval", 78, (95, 94),
                  "eval runs Python, not an OS command: eval injection (95), child of 94"),
    "B308": Entry("mark_safe", 79, (79,)),
    "B310": Entry("urllib_urlopen", 22, (918,),
                  "urlopen of a URL the code does not fix fetches what it names, file: "
                  "included: server-side request forgery (918), not a path (22)"),
    "B311": Entry("random", 330, (338,),
                  "random is a weak PRNG (338, child of 330), as the packs' rule says"),
    "B312": Entry("telnetlib", 319, (319,)),
    "B313": Entry("xml_bad_cElementTree", 20, (776,), _XML),
    "B314": Entry("xml_bad_ElementTree", 20, (776,), _XML),
    "B315": Entry("xml_bad_expatreader", 20, (776,), _SAX),
    "B316": Entry("xml_bad_expatbuilder", 20, (776,), _XML),
    "B317": Entry("xml_bad_sax", 20, (776,), _SAX),
    "B318": Entry("xml_bad_minidom", 20, (776,), _SAX + " (given to parse())"),
    "B319": Entry("xml_bad_pulldom", 20, (776,), _SAX),
    "B321": Entry("ftplib", 319, (319,)),
    "B323": Entry("unverified_context", 295, (295,)),
    "B324": Entry("hashlib_insecure_functions", 327, (328,),
                  "MD4/MD5/SHA-1 (and weak crypt methods) are weak hashes (328), the child "
                  "of 327 that names them"),
    "B401": Entry("import_telnetlib", 319, (), _IMPORT),
    "B402": Entry("import_ftplib", 319, (), _IMPORT),
    "B403": Entry("import_pickle", 502, (), _IMPORT),
    "B404": Entry("import_subprocess", 78, (), _IMPORT),
    "B405": Entry("import_xml_etree", 20, (), _IMPORT),
    "B406": Entry("import_xml_sax", 20, (), _IMPORT),
    "B407": Entry("import_xml_expat", 20, (), _IMPORT),
    "B408": Entry("import_xml_minidom", 20, (), _IMPORT),
    "B409": Entry("import_xml_pulldom", 20, (), _IMPORT),
    "B411": Entry("import_xmlrpclib", 20, (), _IMPORT),
    "B412": Entry("import_httpoxy", 284, (), _IMPORT),
    "B413": Entry("import_pycrypto", 327, (), _IMPORT),
    "B415": Entry("import_pyghmi", 319, (), _IMPORT),
    "B501": Entry("request_with_no_cert_validation", 295, (295,)),
    "B502": Entry("ssl_with_bad_version", 327, (327,)),
    "B503": Entry("ssl_with_bad_defaults", 327, (327,)),
    "B504": Entry("ssl_with_no_version", 327, (327,)),
    "B505": Entry("weak_cryptographic_key", 326, (326,)),
    "B506": Entry("yaml_load", 20, (502,),
                  "yaml.load builds arbitrary objects: deserialisation of untrusted data "
                  "(502), as the packs' rule says"),
    "B507": Entry("ssh_no_host_key_verification", 295, (295,)),
    "B508": Entry("snmp_insecure_version", 319, (319,)),
    "B509": Entry("snmp_weak_cryptography", 319, (319,)),
    "B601": Entry("paramiko_calls", 78, (78,)),
    "B602": Entry("subprocess_popen_with_shell_equals_true", 78, (78,)),
    "B603": Entry("subprocess_without_shell_equals_true", 78, (78,)),
    "B604": Entry("any_other_function_with_shell_equals_true", 78, (78,)),
    "B605": Entry("start_process_with_a_shell", 78, (78,)),
    "B606": Entry("start_process_with_no_shell", 78, (78,)),
    "B607": Entry("start_process_with_partial_path", 78, (426,),
                  "a program named without its path is looked up in PATH: untrusted "
                  "search path (426), not command injection"),
    "B608": Entry("hardcoded_sql_expressions", 89, (89,)),
    "B609": Entry("linux_commands_wildcard_injection", 155, (155,)),
    "B610": Entry("django_extra_used", 89, (89,)),
    "B611": Entry("django_rawsql_used", 89, (89,)),
    "B612": Entry("logging_config_insecure_listen", 94, (94,)),
    "B613": Entry("trojansource", 838, (451,),
                  "bidirectional controls make code read otherwise than it runs: UI "
                  "misrepresentation (451), as the gate's bidi check says; 838 is output "
                  "encoding"),
    "B614": Entry("pytorch_load", 502, (502,)),
    "B615": Entry("huggingface_unsafe_download", 494, (494,)),
    "B701": Entry("jinja2_autoescape_false", 94, (79,),
                  "autoescape off lets rendered values inject markup: cross-site scripting "
                  "(79), as the packs' rule says; it does not run template code"),
    "B702": Entry("use_of_mako_templates", 80, (79,), _XSS),
    "B703": Entry("django_mark_safe", 80, (79,), _XSS),
    "B704": Entry("markupsafe_markup_xss", 79, (79,)),
}

# Tests whose parser can be a SAX parser: with external general entities switched on in
# the file, it fetches external entities (XXE, 611).
SAX_TESTS: Final = frozenset({"B315", "B317", "B318", "B319"})
_EXTERNAL_ENTITIES_ON = re.compile(
    r"""setFeature\s*\(\s*(?:[\w.]*\bfeature_external_ges|
        ['"]http://xml\.org/sax/features/external-general-entities['"])\s*,\s*(?:True|1)\s*\)""",
    re.VERBOSE)

# Part of the per-file cache key: a change to the table re-runs bandit on every file.
DIGEST: Final = hashlib.sha256(repr((
    sorted((k, v.cwe) for k, v in BANDIT_CWE.items()), sorted(SAX_TESTS),
    _EXTERNAL_ENTITIES_ON.pattern)).encode()).hexdigest()[:16]


def external_entities_on(source: str) -> bool:
    """Whether ``source`` switches a SAX parser's external general entities on."""
    return _EXTERNAL_ENTITIES_ON.search(source) is not None


def cwe_for(test_id: str, bandit_cwe: int, source: str) -> tuple[int, ...]:
    """The CWEs of a finding of ``test_id``, weakness first; bandit's own for a test the
    table does not know (a newer bandit), none where it gives none."""
    entry = BANDIT_CWE.get(test_id.upper())
    if entry is None:
        return (bandit_cwe,) if bandit_cwe else ()
    if test_id.upper() in SAX_TESTS and external_entities_on(source):
        return (611,)
    return entry.cwe
