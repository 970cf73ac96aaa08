#!/usr/bin/env python3
"""Keep the series' cover letter reproducible.

extract PATCH      print the branch description (subject, blank line, body)
                   held in a cover letter written by `git format-patch`
fixdate COVER DIR  give COVER the Date: of the newest patch in DIR, so that
                   an unchanged tree exports byte-identical files
"""
import email.utils
import glob
import os
import re
import sys


def extract(path):
    text = open(path, encoding='utf-8').read()
    head, _, body = text.partition('\n\n')
    # Subject may be folded over several header lines.
    m = re.search(r'^Subject: (.*(?:\n[ \t].*)*)', head, re.M)
    subject = re.sub(r'\s*\n[ \t]+', ' ', m.group(1)) if m else ''
    subject = re.sub(r'^\[[^\]]*\]\s*', '', subject)
    # The body ends where format-patch's shortlog starts: "Name (N):".
    lines = body.split('\n')
    end = len(lines)
    for i, line in enumerate(lines):
        if re.match(r'^\S.* \(\d+\):$', line):
            end = i
            break
    desc = '\n'.join(lines[:end]).strip('\n')
    sys.stdout.write(subject + '\n\n' + desc + '\n')


def fixdate(cover, directory):
    dates = []
    for p in glob.glob(os.path.join(directory, '[0-9][0-9][0-9][0-9]-*.patch')):
        if os.path.abspath(p) == os.path.abspath(cover):
            continue
        with open(p, encoding='utf-8') as f:
            for line in f:
                if line.startswith('Date: '):
                    dates.append(email.utils.parsedate_to_datetime(line[6:].strip()))
                    break
                if line == '\n':
                    break
    if not dates:
        return
    newest = email.utils.format_datetime(max(dates))
    text = open(cover, encoding='utf-8').read()
    head, sep, body = text.partition('\n\n')
    head = re.sub(r'^Date: .*$', 'Date: ' + newest, head, count=1, flags=re.M)
    # The From line carries a commit id that format-patch zeroes for the
    # cover letter already; nothing else varies between runs.
    open(cover, 'w', encoding='utf-8').write(head + sep + body)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'extract':
        extract(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'fixdate':
        fixdate(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
