#!/usr/bin/python3
"""The project's development queries: help searches as people type them.

usage: scripts/devset.py [CORPUS_ROOT] [--n 60] [--seed 7] [--locales a,b]
                         [--kinds reworded,script,typo,question,code] [--out FILE]

Deterministic (seeded) queries in the format of the reference evaluation's
queries.py, dict(kind, locale, q, rel=[keys]), with the ground truth taken from
the articles themselves. Kinds, at most --n per locale each:

  reworded  an article's H1 title with one or two words dropped, two adjacent
            words swapped, or one word replaced by a word of another title
  script    zh-TW titles (or 4-10 characters of them) in Simplified Chinese,
            zh-CN ones in Traditional (OpenCC)
  typo      a title with one long word misspelt by one edit, the misspelling
            found nowhere in the corpus (locales written with spaces)
  question  a question wrapped around a title fragment ("How do I ...?")
  code      error codes written the way people paste them ("aadsts50011",
            "80070005", "error 5.7.750", the code plus a word)

Needs Debian's python3-icu (word segmentation of zh/ja titles) and opencc.
The reference evaluation (corpus.py, queries.py) is read from $SHARED/eval,
$SHARED defaulting to the project's ../shared.
"""
import argparse, collections, json, os, random, re, subprocess, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('SHARED') or os.path.join(HERE, '..', '..', 'shared')
sys.path.insert(0, os.path.join(SHARED, 'eval'))
import corpus, queries  # noqa: E402  (the reference evaluation's modules)
from corpus import norm  # noqa: E402

KINDS = ['reworded', 'script', 'typo', 'question', 'code']
NOSPACE = queries.NOSPACE
LETTERS = re.compile(r'[^\W\d_]+')          # a run of letters (no digits, no _)
TRIM = ' "\'“”„«»‘’!?.,:;()[]{}-–—/'      # punctuation trimmed off a fragment's ends

# ---------------------------------------------------------------- words

def squash(s):
    """s with runs of white space made one space, trimmed."""
    return re.sub(r'\s+', ' ', s).strip()

def tokens(text, locale):
    """text as a list of [piece, is_word] whose pieces join back into text:
    whitespace-separated words in spaced scripts, ICU words in zh/ja/th."""
    if locale not in NOSPACE:
        return [[t, not t.isspace()] for t in re.split(r'(\s+)', text) if t]
    return icu_tokens(text, locale)

def icu_tokens(text, locale):
    """ICU word boundaries; a piece is a word when its rule status is not
    UBRK_WORD_NONE (spaces and punctuation are < 100)."""
    import icu
    us = icu.UnicodeString(text)  # boundaries are UTF-16 offsets: slice the UnicodeString
    it = icu.BreakIterator.createWordInstance(icu.Locale(locale.replace('-', '_')))
    it.setText(us)
    out, start = [], it.first()
    for end in it:
        out.append([str(us[start:end]), it.getRuleStatus() >= 100])
        start = end
    return out

def words(text, locale):
    return [t for t, w in tokens(text, locale) if w]

def usable_word(w, locale):
    """A word worth putting into a query: 3+ letters, or 2+ characters in zh/ja/th."""
    if locale in NOSPACE:
        return len(w) >= 2 and bool(LETTERS.fullmatch(w))
    return bool(re.search(r'\w{3}', w))

# ---------------------------------------------------------------- ground truth

def by_title(mine):
    """normalized title -> keys of the articles carrying it"""
    out = collections.defaultdict(set)
    for d in mine:
        if d['title']:
            out[norm(d['title'])].add(d['key'])
    return out

def shuffled_titled(rnd, mine):
    """the articles of mine that have a title, in random order"""
    titled = [d for d in mine if d['title']]
    return rnd.sample(titled, len(titled))

def containing(mine, text):
    """keys of the articles whose normalized text contains text"""
    f = norm(text)
    return {d['key'] for d in mine if f in d['ntext']}

# ---------------------------------------------------------------- reworded

def reword(rnd, toks, pool):
    """The title pieces with one edit: drop one or two words (at least two
    stay), swap two adjacent words, or replace a word by one of pool."""
    toks = [list(t) for t in toks]
    at = [i for i, (_, w) in enumerate(toks) if w]
    op = rnd.choice(['drop', 'swap', 'replace'])
    if op == 'drop':
        for i in rnd.sample(at, 1 if len(at) < 4 else rnd.choice([1, 2])):
            toks[i][0] = ''
    elif op == 'swap':
        j = rnd.randrange(len(at) - 1)
        a, b = at[j], at[j + 1]
        toks[a][0], toks[b][0] = toks[b][0], toks[a][0]
    else:
        mine = {norm(toks[i][0]) for i in at}
        choices = [w for w in pool if norm(w) not in mine]
        toks[rnd.choice(at)][0] = rnd.choice(choices)
    return squash(''.join(t for t, _ in toks))

def make_reworded(rnd, locale, mine, n):
    toks = {d['key']: tokens(d['title'], locale) for d in mine if d['title']}
    pool = sorted({t for ts in toks.values() for t, w in ts if w and usable_word(t, locale)})
    bytitle = by_title(mine)
    for d in shuffled_titled(rnd, mine):
        if sum(w for _, w in toks[d['key']]) < 3:
            continue
        q = reword(rnd, toks[d['key']], pool)
        if norm(q) != norm(d['title']):
            yield q, bytitle[norm(d['title'])]

# ---------------------------------------------------------------- script

OPENCC = {'zh-TW': 't2s.json', 'zh-HK': 't2s.json', 'zh-CN': 's2t.json', 'zh-SG': 's2t.json'}

def opencc(lines, config):
    """lines converted by OpenCC, one process for all of them."""
    try:
        out = subprocess.run(['opencc', '-c', config], input='\n'.join(lines) + '\n',
                             capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        sys.exit('devset: the script kind needs opencc (Debian package opencc)')
    out = out.split('\n')[:len(lines)]
    assert len(out) == len(lines), 'opencc returned %d lines for %d' % (len(out), len(lines))
    return out

def script_source(rnd, d, bytitle, mine):
    """(text, rel): the whole title, or 4-10 characters of one of its Han runs."""
    runs = [r for r in queries.SCRIPT.findall(d['title']) if len(r) >= 4]
    if runs and rnd.random() < 0.5:
        frag = queries.cut(rnd, rnd.choice(runs), 4, 10)
        if frag:
            return frag, {d['key']} | containing(mine, frag)
    return d['title'], bytitle[norm(d['title'])]

def make_script(rnd, locale, mine, n):
    if locale not in OPENCC:
        return
    bytitle = by_title(mine)
    sources = [script_source(rnd, d, bytitle, mine) for d in shuffled_titled(rnd, mine)[:4 * n]]
    converted = opencc([s for s, _ in sources], OPENCC[locale])
    for (orig, rel), q in zip(sources, converted):
        if q.strip() and q != orig:
            yield q, rel

# ---------------------------------------------------------------- typo

def keyboard(rows):
    """letter -> its neighbours on a staggered keyboard given by its letter rows"""
    nb = collections.defaultdict(set)
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
            nb[ch].update(rows[i][j] for i, j in near if 0 <= i < len(rows) and 0 <= j < len(rows[i]))
    return {k: sorted(v) for k, v in nb.items()}

LAYOUTS = {'qwerty': keyboard(['qwertyuiop', 'asdfghjkl', 'zxcvbnm']),
           'qwertz': keyboard(['qwertzuiopü', 'asdfghjklöä', 'yxcvbnm']),
           'azerty': keyboard(['azertyuiop', 'qsdfghjklm', 'wxcvbn'])}

def layout(locale):
    return LAYOUTS[{'de': 'qwertz', 'fr': 'azerty'}.get(locale[:2], 'qwerty')]

def unaccent(c):
    return ''.join(x for x in unicodedata.normalize('NFD', c) if not unicodedata.combining(x))

def misspell(rnd, word, keys):
    """word with one edit, or None when the chosen edit does not apply. The
    first letter is kept: it is the one people rarely get wrong."""
    accents = [i for i, c in enumerate(word) if unaccent(c) != c]
    op = rnd.choice(['delete', 'transpose', 'neighbour'] + (['accent'] if accents else []))
    i = rnd.randrange(1, len(word) - 1)
    if op == 'delete':
        return word[:i] + word[i + 1:]
    if op == 'transpose':
        return None if word[i] == word[i + 1] else word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 'accent':
        i = rnd.choice(accents)
        return word[:i] + unaccent(word[i]) + word[i + 1:]
    near = keys.get(word[i].lower())
    if not near:
        return None
    c = rnd.choice(near)
    return word[:i] + (c.upper() if word[i].isupper() else c) + word[i + 1:]

def vocabulary(root):
    """Every folded run of letters in every article file under root, markup
    and the English side of side-by-side spans included."""
    vocab = set()
    for path, _, files in os.walk(root):
        for f in files:
            if f.endswith('.md'):
                with open(os.path.join(path, f), encoding='utf-8', errors='replace') as fh:
                    vocab.update(LETTERS.findall(norm(fh.read())))
    return vocab

def typo_title(rnd, title, keys, vocab):
    """title with one of its words of 7+ letters misspelt into a word that is
    nowhere in the corpus, or None."""
    long_words = [m for m in LETTERS.finditer(title) if len(m.group()) >= 7]
    for _ in range(8 if long_words else 0):
        m = rnd.choice(long_words)
        bad = misspell(rnd, m.group(), keys)
        if bad and norm(bad) not in vocab:
            return title[:m.start()] + bad + title[m.end():]
    return None

def make_typo(rnd, locale, mine, n, vocab):
    if locale in NOSPACE:
        return
    bytitle = by_title(mine)
    keys = layout(locale)
    for d in shuffled_titled(rnd, mine):
        q = typo_title(rnd, d['title'], keys, vocab)
        if q:
            yield q, bytitle[norm(d['title'])]

# ---------------------------------------------------------------- question

QUESTIONS = {
    'zh': ['如何{f}？', '怎么{f}', '{f}的方法'],
    'ja': ['{f}にはどうすればよいですか', '{f}する方法', 'どうやって{f}'],
    'en': ['How do I {f}?', 'how to {f}'],
    'de': ['Wie kann ich {f}?', 'wie {f}'],
    'fr': ['Comment {f} ?', 'Comment puis-je {f} ?'],
    'ko': ['{f} 하는 방법'],
    'th': ['ฉันจะ{f}ได้อย่างไร'],
}

def title_fragment(rnd, title, locale):
    """2-4 consecutive words of title, or 3-8 characters of a zh/ja/th run
    cut at grapheme clusters; None when the title has none."""
    if locale in NOSPACE:
        runs = [r for r in queries.SCRIPT.findall(title) if len(r) >= 3]
        return queries.cut(rnd, rnd.choice(runs), 3, 8) if runs else None
    w = title.split()
    if len(w) < 2:
        return None
    size = rnd.randint(2, min(4, len(w)))
    start = rnd.randint(0, len(w) - size)
    frag = ' '.join(w[start:start + size]).strip(TRIM)
    return frag if re.search(r'\w{3}', frag) else None

def make_question(rnd, locale, mine, n):
    templates = QUESTIONS.get(locale[:2])
    if not templates:
        return
    for d in shuffled_titled(rnd, mine):
        frag = title_fragment(rnd, d['title'], locale)
        rel = containing(mine, frag) if frag else set()
        if 1 <= len(rel) <= 5:
            yield rnd.choice(templates).format(f=frag), rel

# ---------------------------------------------------------------- code

def code_word(rnd, locale, mine, code):
    """a word of the title (else the text) of an article containing code"""
    d = rnd.choice(sorted((x for x in mine if code.casefold() in x['ntext']), key=lambda x: x['key']))
    for text in (d['title'], d['text'][:2000]):
        ws = [w.strip(TRIM) for w in words(text, locale)]
        ws = [w for w in ws if usable_word(w, locale) and code.casefold() not in w.casefold()]
        if ws:
            return rnd.choice(ws)
    return None

def pasted(rnd, code, word):
    """code written one of the ways people paste it"""
    if code.upper().startswith('AADSTS'):
        forms = ['AADSTS ' + code[6:], code.lower(), 'Error ' + code]
    elif code.lower().startswith('0x'):
        forms = [code[2:], '0X' + code[2:].upper(), 'Error ' + code, 'error code ' + code[2:]]
    else:
        forms = ['error ' + code, 'Error: ' + code]
    if word:
        forms += [code + ' ' + word, word + ' ' + code]
    return rnd.choice(forms)

def make_code(rnd, locale, mine, n):
    found = sorted({c for d in mine for c in queries.CODE.findall(d['text'])})
    for _ in range(4 * n if found else 0):
        code = rnd.choice(found)
        q = pasted(rnd, code, code_word(rnd, locale, mine, code))
        yield q, containing(mine, code)

# ---------------------------------------------------------------- the set

def generators(kinds, root):
    """kind -> generator(rnd, locale, articles of the locale, n) of (q, rel)"""
    out = {'reworded': make_reworded, 'script': make_script, 'question': make_question,
           'code': make_code}
    if 'typo' in kinds:
        vocab = vocabulary(root)
        out['typo'] = lambda rnd, locale, mine, n: make_typo(rnd, locale, mine, n, vocab)
    return {k: out[k] for k in kinds}

def take(gen, kind, locale, n):
    """the first n distinct queries of gen with some relevant article"""
    qs, seen = [], set()
    for q, rel in gen:
        if len(qs) >= n:
            break
        if rel and q not in seen:
            seen.add(q)
            qs.append(dict(kind=kind, locale=locale, q=q, rel=sorted(rel)))
    return qs

def make(docs, root, locales=None, n=60, seed=7, kinds=KINDS):
    """The development queries of docs (corpus.load(root)) for locales."""
    locales = locales or sorted({d['locale'] for d in docs})
    gens = generators(kinds, root)
    qs = []
    for locale in locales:
        mine = [d for d in docs if d['locale'] == locale]
        for kind in kinds:
            rnd = random.Random('%s:%s:%s' % (seed, kind, locale))  # independent per kind and locale
            qs += take(gens[kind](rnd, locale, mine, n), kind, locale, n)
    return qs

def print_counts(qs, out=sys.stderr):
    locales = sorted({q['locale'] for q in qs})
    count = collections.Counter((q['kind'], q['locale']) for q in qs)
    print('%-10s ' % 'kind' + ' '.join('%6s' % l for l in locales) + '  total', file=out)
    for kind in KINDS:
        row = [count[kind, l] for l in locales]
        if any(row):
            print('%-10s ' % kind + ' '.join('%6d' % c for c in row) + '  %5d' % sum(row), file=out)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('root', nargs='?', default=os.path.join(SHARED, 'corpus', 'sxs'))
    ap.add_argument('--n', type=int, default=60, help='queries per kind and locale')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--locales', default='', help='comma-separated, default all')
    ap.add_argument('--kinds', default=','.join(KINDS), help='comma-separated subset of ' + ','.join(KINDS))
    ap.add_argument('--out', help='write the queries to this JSON file')
    a = ap.parse_args()
    kinds = a.kinds.split(',')
    bad = set(kinds) - set(KINDS)
    if bad:
        ap.error('unknown kind(s): ' + ','.join(sorted(bad)))
    docs = corpus.load(a.root)
    qs = make(docs, a.root, a.locales.split(',') if a.locales else None, a.n, a.seed, kinds)
    print_counts(qs)
    if a.out:
        with open(a.out, 'w', encoding='utf-8') as f:
            json.dump(qs, f, ensure_ascii=False, indent=1)

if __name__ == '__main__':
    main()
