"""Reading a posting's job category from its title and text, for sheets that come without a 工种 column.

Two sources, both the NLU's: the job-category names of the trained pipeline (its lookup tables and annotated
examples, mapped to canonical categories by its synonyms), and a character n-gram classifier trained on the same
names and on the chat examples that mention exactly one category (so 春茶采摘工 or 挖掘机驾驶员, which no lookup
entry spells, still read as 采茶工 and 司机).

The answer is sure when the title names exactly one category, or the classifier is confident about the title;
otherwise it is flagged unsure with why: the title names several (the last wins — in 茶叶加工车间普工 the job is
the head noun at the end), only the posting's text names one, or the classifier's guess is weak. When nothing
fits, the posting goes under 其他 (flagged): on the shelf and found by its words, but pushed to no one.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opencc import OpenCC

from nlu.normalise import normalise
from nlu.rasa_format import load_data
from storage.importing.rows import Categorise, CategoryGuess, Notice
from storage.vocabulary import OTHER_CATEGORY, canonical_job_category, job_categories

SURE_PROBABILITY = 0.6  # the classifier alone is trusted on a title from here
WEAK_PROBABILITY = 0.45  # below this (and no name anywhere) the posting goes under 其他
TEXT_LIMIT = 300  # characters of description and requirements read for a category name
_T2S = OpenCC("t2s")

if TYPE_CHECKING:
    from nlu import NLU
# The NLU engine and scikit-learn are imported where a guesser is built or used, not with this module: chat
# imports it, and every `mishu` command imports chat's assistant, most of them never reading a category.


def plain(text: str, *, simplify: bool = True) -> str:
    """Half-width, lower-case and (titles) simplified characters: what the job names are matched against. Cheaper
    than the NLU's full normalisation (numerals, pinyin, emoji), which a sheet's 20,000 cells do not need."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return _T2S.convert(folded) if simplify else folded


@dataclass
class JobCategoryGuesser:
    """`guesser(title, text) -> CategoryGuess`; cheap per row (titles repeat, and their answers are kept)."""

    surfaces: dict[str, str]  # normalised name → canonical category
    vectorizer: Any
    model: Any
    _titles: dict[str, CategoryGuess | None] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    @classmethod
    def from_nlu(cls, nlu: NLU, data_dir: Path | None = None) -> JobCategoryGuesser:
        """Built from a trained NLU and the training data it was trained on (a second or so; the data in nlu/data
        unless another folder is given)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from nlu.components import EntitySynonymMapper, LookupEntityExtractor
        from nlu.engine import DEFAULT_DATA

        lookup = next(c for c in nlu.pipeline if isinstance(c, LookupEntityExtractor))
        synonyms = next((c for c in nlu.pipeline if isinstance(c, EntitySynonymMapper)), None)
        maps = synonyms.maps if synonyms is not None else {}

        def canonical(surface: str) -> str | None:
            value = maps.get("job_category", {}).get(surface, maps.get("*", {}).get(surface, surface))
            return canonical_job_category(value) or canonical_job_category(surface)

        surfaces = {surface: found for surface, kinds in lookup.gazetteer.kinds.items()
                    if "job_category" in kinds and (found := canonical(surface))}
        texts, labels = list(surfaces), list(surfaces.values())
        for name, aliases in job_categories().items():
            texts += [name, *aliases]
            labels += [name] * (1 + len(aliases))
        for example in load_data(data_dir or DEFAULT_DATA).examples:
            named = {canonical(normalise(span.text).text) for span in example.entities if span.entity == "job_category"}
            named.discard(None)
            if len(named) == 1:
                texts.append(plain(example.text))
                labels.append(named.pop())  # type: ignore[arg-type]
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        model = LogisticRegression(C=20.0, max_iter=3000).fit(vectorizer.fit_transform(texts), labels)
        return cls(surfaces, vectorizer, model)

    @classmethod
    def cached(cls, nlu: NLU, path: Path | None = None) -> JobCategoryGuesser:
        """`from_nlu`, kept on disk beside the NLU model and rebuilt when the NLU's fingerprint changes."""
        from nlu.engine import default_model_path

        # The key is the NLU's fingerprint and this module's code: either changing builds a new guesser.
        key = f"{nlu.fingerprint}-{hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]}"
        # One file per NLU (as the models are): checkouts with different training data, on one machine, do not
        # take turns rebuilding a shared file.
        path = path or default_model_path(nlu.fingerprint).with_name(f"categories-{nlu.fingerprint}.pkl")
        if nlu.fingerprint and path.exists():
            try:
                found_key, found = pickle.loads(path.read_bytes())
                if found_key == key and isinstance(found, cls):
                    return found
            except Exception:  # noqa: BLE001 — a stale or corrupt cache is simply rebuilt
                pass
        guesser = cls.from_nlu(nlu)
        if nlu.fingerprint:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(pickle.dumps((key, guesser), protocol=pickle.HIGHEST_PROTOCOL))
                tmp.replace(path)
            except OSError:
                pass  # a read-only home still gets a working guesser, only not a kept one
        return guesser

    def named(self, text: str) -> list[str]:
        """The categories a plain text names, in the order they appear (longest names first, no overlaps; only
        job names count, so 家政服务员 is 家政 and 服务员 although 家政服务 is also a training topic)."""
        if self._pattern is None:
            names = sorted(self.surfaces, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(name) for name in names))
        return [self.surfaces[m.group()] for m in self._pattern.finditer(text) if _whole_word(text, m.start(), m.end())]

    def _classify(self, text: str) -> tuple[str, float]:
        probabilities = self.model.predict_proba(self.vectorizer.transform([text]))[0]
        best = int(probabilities.argmax())
        return str(self.model.classes_[best]), float(probabilities[best])

    def _from_title(self, title: str) -> CategoryGuess | None:
        if title in self._titles:
            return self._titles[title]
        norm = plain(title)
        named = list(dict.fromkeys(self.named(norm)))
        guess: CategoryGuess | None = None
        if len(named) == 1:
            guess = CategoryGuess(named[0], True)
        elif named:
            others = "、".join(named[:-1])
            guess = CategoryGuess(named[-1], False, Notice("title_names_several", {"others": others}))
        else:
            category, probability = self._classify(norm)
            if probability >= SURE_PROBABILITY:
                guess = CategoryGuess(category, True)
            elif probability >= WEAK_PROBABILITY:
                guess = CategoryGuess(category, False, Notice("title_wording", {"percent": f"{probability:.0%}"}))
        self._titles[title] = guess
        return guess

    def __call__(self, title: str, text: str = "") -> CategoryGuess:
        guess = self._from_title(title)
        if guess is not None and guess.sure:
            return guess
        # Sheets come in simplified characters; the text is only folded (converting it would cost more than all else).
        in_text = Counter(self.named(plain(text[:TEXT_LIMIT], simplify=False))) if text else Counter()
        if guess is None and in_text:
            category = in_text.most_common(1)[0][0]
            return CategoryGuess(category, False, Notice("read_from_text"))
        if guess is not None:
            return guess
        return CategoryGuess(OTHER_CATEGORY, False, Notice("nothing_named"))


def _whole_word(text: str, start: int, end: int) -> bool:
    """Latin names must be whole words ('driver' is not inside 'drivers'); Chinese ones need no spaces."""
    if not text[start].isascii():
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def vocabulary_guess(title: str, text: str = "") -> CategoryGuess:
    """The job names of the vocabulary alone (no classifier): for an assistant whose NLU is not a trained `NLU`
    (a test's scripted one). The title's last named category wins, as in `JobCategoryGuesser`."""
    names = {alias.lower(): name for name, aliases in job_categories().items() for alias in (*aliases, name)}
    pattern = re.compile("|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)))
    for source, sure in ((plain(title), True), (plain(text[:TEXT_LIMIT]), False)):
        named = list(dict.fromkeys(names[m.group()] for m in pattern.finditer(source)))
        if named:
            return CategoryGuess(named[-1], sure and len(named) == 1)
    return CategoryGuess(OTHER_CATEGORY, False, "nothing in the title or text names a job category")


def category_reader(nlu: Any) -> Categorise:
    """`(title, text) -> CategoryGuess` for chat: the `JobCategoryGuesser` of a trained NLU, built at first use (a
    second, then kept on disk beside the model), or `vocabulary_guess` for anything else."""
    built: list[Categorise] = []

    def read(title: str, text: str = "") -> CategoryGuess:
        from nlu import NLU

        if not built:
            built.append(JobCategoryGuesser.cached(nlu) if isinstance(nlu, NLU) else vocabulary_guess)
        return built[0](title, text)

    return read
