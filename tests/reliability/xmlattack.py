#!/usr/bin/python3
"""xmlattack.py: hostile XML (and JSON) documents through `syndic parse`.

Each document may cost at most 64 MiB and 1 s: the child runs under
RLIMIT_AS = 64 MiB above what the binary needs to parse an empty document
(its shared libraries alone map about 45 MiB: ICU's data through libxml2,
OpenSSL through libcurl; measured at start), and its peak RSS must stay
under 64 MiB.  It must exit without a signal, never reveal a local file, and never
open a connection: a loopback listener stands at every URL the documents
name and must see zero connections.  Under an ASan build (or with one
beside this build) every run must also be free of leaks and errors.
Part of make check (a few seconds) and of make check-reliability."""

import json
import os
import secrets
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

MIB = 1024 * 1024
BUDGET = 64 * MIB
TIME_LIMIT = 1.0
ASAN_TIME_LIMIT = 20.0
# ASan costs 10x: smaller repeat counts (the same attacks) in make check.
ASAN_SCALE = float(os.environ.get("XMLATTACK_ASAN_SCALE",
                                  "0.2" if os.environ.get("RELIABILITY_FULL")
                                  else "0.05"))


def rss(body, items="", doctype="", decl='<?xml version="1.0"?>\n'):
    """An RSS 2.0 document around body (channel title) and items."""
    return (decl + doctype + '<rss version="2.0"><channel><title>' + body +
            '</title><link>http://example.org/</link><description>d'
            '</description>' + items + '</channel></rss>\n').encode()


def item(title, desc):
    return ("<item><title>%s</title><link>http://example.org/1</link>"
            "<description>%s</description></item>" % (title, desc))


def documents(tmp, port, token, scale=1.0):
    """The attack documents: (name, bytes), repeat counts times scale."""
    def n(k):
        return max(1, int(k * scale))
    secret = os.path.join(tmp, "secret.txt")
    with open(secret, "w") as f:
        f.write(token + "\n")
    dtd = os.path.join(tmp, "evil.dtd")
    with open(dtd, "w") as f:
        f.write('<!ENTITY leak "%s">\n' % token)
    net = "http://127.0.0.1:%d" % port
    d = []
    ent = lambda decl: '<!DOCTYPE rss [\n%s\n]>\n' % decl  # noqa: E731
    d.append(("xxe-file", rss("&xxe;", item("&xxe;", "&xxe;"),
              ent('<!ENTITY xxe SYSTEM "file://%s">' % secret))))
    d.append(("xxe-file-relative", rss("&xxe;", item("&xxe;", "&xxe;"),
              ent('<!ENTITY xxe SYSTEM "%s">' % secret))))
    d.append(("xxe-file-atom", (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY xxe SYSTEM '
        '"file://%s">]>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>&xxe;</title><id>urn:x</id><updated>2020-01-01T00:00:00Z'
        '</updated><entry><id>urn:e</id><title>&xxe;</title><updated>'
        '2020-01-01T00:00:00Z</updated><content type="html">&xxe;</content>'
        '<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        '&xxe;</div></summary></entry></feed>\n' % secret).encode()))
    d.append(("xxe-attribute", rss("t", '<item><title>t</title><link>'
              'http://example.org/</link><enclosure url="&xxe;" length="1" '
              'type="a/b"/></item>',
              ent('<!ENTITY xxe SYSTEM "file://%s">' % secret))))
    d.append(("xxe-network", rss("&xxe;", item("&xxe;", "&xxe;"),
              ent('<!ENTITY xxe SYSTEM "%s/xxe">' % net))))
    d.append(("xxe-ftp", rss("&xxe;", item("&xxe;", "x"),
              ent('<!ENTITY xxe SYSTEM "ftp://127.0.0.1:%d/x">' % port))))
    d.append(("xxe-parameter-network", rss("t", item("t", "x"),
              ent('<!ENTITY %% p SYSTEM "%s/p.dtd">\n%%p;' % net))))
    d.append(("xxe-parameter-file", rss("&leak;", item("&leak;", "&leak;"),
              ent('<!ENTITY %% p SYSTEM "file://%s">\n%%p;' % dtd))))
    d.append(("external-dtd-network", rss("t", item("t", "&eacute;"),
              '<!DOCTYPE rss SYSTEM "%s/rss.dtd">\n' % net)))
    d.append(("external-dtd-public", rss("t", item("t", "caf&eacute;"),
              '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
              '0.91//EN" "%s/rss-0.91.dtd">\n' % net)))
    d.append(("external-dtd-file", rss("&leak;", item("&leak;", "&leak;"),
              '<!DOCTYPE rss SYSTEM "file://%s">\n' % dtd)))
    d.append(("xinclude", (
        '<?xml version="1.0"?>\n<rss version="2.0" xmlns:xi='
        '"http://www.w3.org/2001/XInclude"><channel><title>t</title>'
        '<link>http://example.org/</link><description><xi:include href='
        '"file://%s" parse="text"/></description><item><title><xi:include '
        'href="%s/xi" parse="text"/></title><description>x</description>'
        '</item></channel></rss>\n' % (secret, net)).encode()))
    d.append(("stylesheet-and-schema", (
        '<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href='
        '"%s/s.xsl"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.w3.org/2005/Atom %s/atom.xsd">'
        '<title>t</title><id>urn:x</id><updated>2020-01-01T00:00:00Z'
        '</updated></feed>\n' % (net, net)).encode()))
    lol = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        lol.append('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1)) * 10))
    d.append(("billion-laughs", rss("&lol9;", item("&lol9;", "&lol9;"),
              ent("\n".join(lol)))))
    d.append(("billion-laughs-attribute", rss("t", '<item><title>t</title>'
              '<link>http://example.org/</link><enclosure url="&lol9;" '
              'length="1" type="a/b"/></item>', ent("\n".join(lol)))))
    big = "A" * n(100000)
    d.append(("quadratic-blowup", rss("&a;" * 10, item("t", "&a;" * n(20000)),
              ent('<!ENTITY a "%s">' % big))))
    d.append(("deep-nesting-xml", rss("t", "<item><title>t</title>"
              "<description>x</description>" + "<x>" * n(200000) +
              "</x>" * n(200000) + "</item>")))
    d.append(("deep-nesting-unclosed", rss("t", "<item>" + "<x>" * n(200000))))
    d.append(("deep-nesting-html", rss("t", item(
        "t", "&lt;div&gt;" * n(100000) + "x" + "&lt;/div&gt;" * n(100000)))))
    d.append(("deep-nesting-html-cdata", rss("t", item(
        "t", "<![CDATA[" + "<b><i>" * n(50000) + "]]>"))))
    d.append(("deep-nesting-xhtml", (
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>t</title><id>urn:x</id><updated>2020-01-01T00:00:00Z'
        '</updated><entry><id>urn:e</id><title>t</title><updated>'
        '2020-01-01T00:00:00Z</updated><content type="xhtml"><div xmlns='
        '"http://www.w3.org/1999/xhtml">' + "<span>" * n(100000) + "x" +
        "</span>" * n(100000) + '</div></content></entry></feed>\n').encode()))
    d.append(("huge-attribute", (
        '<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>t</title><id>urn:x</id><updated>2020-01-01T00:00:00Z'
        '</updated><entry><id>urn:e</id><title>t</title><link href="http://'
        'example.org/' + "a" * n(8 * 1024 * 1024) + '"/></entry></feed>\n'
    ).encode()))
    d.append(("many-attributes", rss("t", "<item><title>t</title><link "
              + " ".join('a%d="x"' % i for i in range(n(30000))) +
              ">http://example.org/</link></item>")))
    d.append(("attribute-flood-many-tags", rss("t", "<item><title>t"
              "</title><link>http://example.org/</link>" + ("<x " + " ".join(
                  'a%d=""' % i for i in range(250)) + "/>") * 4000 +
              "</item>")))
    d.append(("attribute-flood-html", rss("t", item("t", "&lt;a " + " ".join(
        "a%d" % i for i in range(n(100000))) + "&gt;x"))))
    d.append(("huge-name", rss("t", "<item><title>t</title><" + "n" *
              n(4 * 1024 * 1024) + ">x</item>")))
    d.append(("huge-text", rss("t", item("t", "&lt;p&gt;" + "word " *
              n(1800 * 1024)))))
    d.append(("many-items", rss("t", item("t", "x") * n(100000))))
    d.append(("many-entity-declarations", rss("t", item("t", "&e99999;"),
              ent("\n".join('<!ENTITY e%d "v">' % i
                            for i in range(n(100000)))))))
    d.append(("many-namespaces", rss("t", "<item>" + "".join(
        '<x xmlns:p%d="urn:%d">' % (i, i) for i in range(n(20000))) +
        "</x>" * n(20000) + "</item>")))
    jf = '{"version":"https://jsonfeed.org/version/1.1","title":"t",'
    d.append(("json-deep-nesting", (jf + '"items":[{"id":"1","x":' + "[" *
              n(200000) + "]" * n(200000) + '}]}').encode()))
    d.append(("json-deep-unclosed", (jf + '"items":[' + "{\"a\":" *
              n(200000)).encode()))
    d.append(("json-huge-string", (jf + '"items":[{"id":"1","content_html":'
              '"' + "x" * n(8 * 1024 * 1024) + '"}]}').encode()))
    d.append(("json-many-keys", (jf + '"items":[{"id":"1",' + ",".join(
        '"k%d":1' % i for i in range(n(200000))) + '}]}').encode()))
    d.append(("json-many-items", (jf + '"items":[' + ",".join(
        '{"id":"%d","content_text":"x"}' % i for i in range(n(100000))) +
        ']}').encode()))
    d.append(("json-bad-unicode", (jf + '"items":[{"id":"\\ud800\\udc00'
              '\\ud800","title":"\\u0000x","content_html":"\\udfff"}]}'
              ).encode()))
    d.append(("utf16-bom", "\ufeff".encode("utf-16-le") + rss(
        "t", item("t", "x"), decl='<?xml version="1.0" encoding="UTF-16"?>'
        ).decode().encode("utf-16-le")))
    d.append(("bogus-encoding", rss("t", item("t", "\xff\xfe"), decl=(
        '<?xml version="1.0" encoding="x-no-such-charset"?>'))))
    return d


def baseline(binary, tmp):
    """The address space syndic needs to parse a tiny document."""
    path = os.path.join(tmp, "tiny.xml")
    with open(path, "w") as f:
        f.write('<rss version="2.0"><channel><title>t</title></channel>'
                '</rss>')
    lo, hi = 8, 512
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r = lib.run_limited([binary, "parse", path], mid * MIB, timeout=10)
        if r.status == 0:
            hi = mid
        else:
            lo = mid
    return hi * MIB


def check(binary, name, data, tmp, token, asan, as_limit):
    """Run one document; return a list of failure reasons and the run."""
    path = os.path.join(tmp, name + (".json" if name.startswith("json")
                                     else ".xml"))
    with open(path, "wb") as f:
        f.write(data)
    argv = [binary, "parse", path]
    r = lib.run_limited(argv, None if asan else as_limit,
                        timeout=120 if asan else 30)
    bad = []
    limit = ASAN_TIME_LIMIT if asan else TIME_LIMIT
    if r.timed_out:
        bad.append("timed out")
    elif r.status < 0:
        bad.append("killed by signal %d" % -r.status)
    elif r.status not in (0, 65):
        bad.append("exit status %d" % r.status)
    if not asan and r.maxrss_kib > BUDGET // 1024:
        bad.append("peak RSS %.1f MiB" % (r.maxrss_kib / 1024.0))
    # CPU time, not wall time: the machine may be shared and loaded.
    if r.cpu > limit:
        bad.append("took %.2f s of CPU (limit %.1f s)" % (r.cpu, limit))
    if token.encode() in r.out or token.encode() in r.err:
        bad.append("revealed the local file")
    if asan:
        bad += lib.sanitizer_errors(r.err)[:3]
    elif r.status == 0:
        try:
            json.loads(r.out)
        except ValueError as e:
            bad.append("output is not JSON: %s" % e)
    if bad and r.err:
        bad.append("stderr: " + r.err.decode("utf-8", "replace")[-300:])
    os.unlink(path)
    return bad, r


def main():
    if not os.path.exists(lib.SYNDIC):
        lib.skip("no syndic binary at " + lib.SYNDIC)
    if not lib.command_available(lib.SYNDIC, "parse"):
        lib.skip("syndic parse is not available yet")
    bins = [(lib.SYNDIC, lib.is_asan(lib.SYNDIC))]
    sib = lib.asan_sibling()
    if sib:
        bins.append((sib, True))
    listener = lib.Listener()
    token = "SYNDIC-SECRET-" + secrets.token_hex(8)
    cases = failures = 0
    worst_t = worst_rss = 0.0
    base = 0
    ndocs = 0
    with tempfile.TemporaryDirectory(prefix="syndic-xml.") as tmp:
        for binary, asan in bins:
            kind = "asan" if asan else "plain"
            # ASan costs 10x: smaller repeat counts, the same attacks.
            docs = documents(tmp, listener.port, token,
                             ASAN_SCALE if asan else 1.0)
            ndocs = max(ndocs, len(docs))
            as_limit = None
            if not asan:
                base = baseline(binary, tmp)
                as_limit = base + BUDGET
                print("baseline address space %d MiB: RLIMIT_AS %d MiB"
                      % (base // MIB, as_limit // MIB))
            for name, data in docs:
                cases += 1
                bad, r = check(binary, name, data, tmp, token, asan,
                               as_limit)
                if not asan:
                    worst_t = max(worst_t, r.cpu)
                    worst_rss = max(worst_rss, r.maxrss_kib / 1024.0)
                if bad:
                    failures += 1
                    print("FAIL %s (%s): %s" % (name, kind, "; ".join(bad)))
                else:
                    print("ok %s (%s): %.3f s CPU, %.1f MiB peak RSS, exit %d"
                          % (name, kind, r.cpu, r.maxrss_kib / 1024.0,
                             r.status))
    listener.close()
    if listener.connections:
        failures += 1
        print("FAIL: the listener saw %d connections: %r"
              % (listener.connections, listener.first[:200]))
    lib.result(cases, failures,
               "%d docs x %d builds, %d connections, worst %.2f s CPU, "
               "worst peak RSS %.1f MiB (RLIMIT_AS %d+64 MiB)"
               % (ndocs, len(bins), listener.connections, worst_t,
                  worst_rss, base // MIB))


if __name__ == "__main__":
    main()
