"""Tabu search over exchanges of two people in one round: the engine's mixing of the cohort.

The cost of a schedule, in integers so that its levels never blur:
- a pair meeting m > 1 times costs REPEAT * (m - 1) + SPREAD * (m - 1)(m - 2) / 2 (history
  counts), so the search first removes repeats and then spreads the unavoidable ones evenly;
- a group without a common language costs LANGUAGE;
- two people of one country in a group cost COUNTRY, of one experience level EXPERIENCE.

A move exchanges two people of one round between groups (of any slots both can take), which keeps
every group's size. With A[a, y] the cost of one more meeting of a and y, D[a, x] the saving of
one fewer, and T[a, g] the sum of A[a, .] over group g, exchanging a (group ga) and b (group gb) in
a round changes the cost by

    T[a, gb] - A[a, b] + T[b, ga] - A[b, a] - own[a] - own[b],   own[a] = sum of D[a, .] over ga

so numpy values every exchange at once: of all rounds together on small cohorts, of a sample of
people against everyone in one round on large ones. Following Dotu and Van Hentenryck's tabu
search for social golfers, a move must involve someone in conflict, moved people stay put for a
random tenure unless the move beats the best schedule (aspiration), and a stalled search restarts
from the best schedule after a random perturbation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.scheduling.exact_round import fresh_partition

REPEAT = 1000
SPREAD = 100
LANGUAGE = 100_000
COUNTRY = 3
EXPERIENCE = 1
ALL_LANGUAGES = np.int64(-1)
BLOCKED = 1 << 60
DENSE_LIMIT = 40_000
SAMPLE = 24
TENURE = (2, 6)
RESTART = 1000
REBUILD_NODES = 5_000
REBUILD_PAIRS = 4


@dataclass
class Problem:
    """Plain arrays the search works on; people are 0..n-1, groups are per round."""

    meetings: np.ndarray  # n x n: meetings before this schedule (history)
    languages: np.ndarray  # n int64 bit masks
    country: np.ndarray  # n int64, -1 unknown
    experience: np.ndarray  # n int64
    groups: list[list[list[int]]]  # per round: members of each group
    group_slot: list[list[int]]  # per round: slot index of each group
    feasible: list[np.ndarray]  # per round: n x slots bool
    fixed: list[np.ndarray]  # per round: n bool, people a lock holds in place
    diversity: bool = True


def pair_cost(m: np.ndarray) -> np.ndarray:
    """Cost of a pair that met m times."""
    r = np.maximum(m - 1, 0)
    return REPEAT * r + SPREAD * (r * np.maximum(r - 1, 0)) // 2


def add_cost(m: np.ndarray) -> np.ndarray:
    """What one more meeting adds to a pair that met m times."""
    return np.where(m >= 1, REPEAT + SPREAD * (m - 1), 0)


def drop_gain(m: np.ndarray) -> np.ndarray:
    """What one meeting fewer saves for a pair that met m times."""
    return np.where(m >= 2, REPEAT + SPREAD * (m - 2), 0)


class Search:
    """The state of the tabu search; `run` improves it until the deadline or it is done."""

    def __init__(self, problem: Problem, rng: np.random.Generator, *, floor: int = 0) -> None:
        self.p = problem
        self.rng = rng
        self.floor = floor
        self.n = n = len(problem.languages)
        self.rounds = rounds = len(problem.groups)
        n_groups = max((len(g) for g in problem.groups), default=1) or 1
        width = max((len(m) for g in problem.groups for m in g), default=1) or 1
        self.mem = np.full((rounds, n_groups, width), -1, dtype=np.int64)
        self.grp = np.full((rounds, n), -1, dtype=np.int64)
        self.pos = np.full((rounds, n), -1, dtype=np.int64)
        self.slot = np.zeros((rounds, n_groups), dtype=np.int64)
        for r, groups in enumerate(problem.groups):
            self.slot[r, : len(groups)] = problem.group_slot[r]
            for g, members in enumerate(groups):
                for i, person in enumerate(members):
                    self.mem[r, g, i] = person
        self.present = [np.flatnonzero(self._index(r)) for r in range(rounds)]
        self.fixed = np.array(problem.fixed, dtype=bool).reshape(rounds, n)
        self.multi_slot = any(f.shape[1] > 1 for f in problem.feasible)
        everyone = np.bitwise_and.reduce(problem.languages) if n else ALL_LANGUAGES
        self.languages_matter = bool(everyone == 0)
        self.div = self._pair_mixing() if problem.diversity else None
        self.dense = rounds * n * n <= DENSE_LIMIT
        self._recount()
        self.best_cost = self.cost
        self.best = self.mem.copy()
        self.iterations = 0

    def _index(self, r: int) -> np.ndarray:
        """Set grp/pos of round r from its member table; returns who is present."""
        self.grp[r].fill(-1)
        mem = self.mem[r]
        g_idx, i_idx = np.nonzero(mem >= 0)
        people = mem[g_idx, i_idx]
        self.grp[r, people] = g_idx
        self.pos[r, people] = i_idx
        return self.grp[r] >= 0

    def _pair_mixing(self) -> np.ndarray:
        country, exp = self.p.country, self.p.experience
        same_c = (country[:, None] == country[None, :]) & (country[:, None] >= 0)
        return COUNTRY * same_c + EXPERIENCE * (exp[:, None] == exp[None, :])

    def _recount(self) -> None:
        """Meeting counts and total cost from scratch."""
        self.C = self.p.meetings.astype(np.int64).copy()
        for r in range(self.rounds):
            for members in self.mem[r]:
                live = members[members >= 0]
                self.C[np.ix_(live, live)] += 1
        self.C[np.diag_indices(self.n)] = 0
        self.cost = self.total_cost()

    # ----- costs -------------------------------------------------------------------------

    def _mixing(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | int:
        if self.div is None:
            return 0
        return self.div[np.ix_(rows, cols)] if rows.ndim == 1 else self.div[rows, cols]

    def group_masks(self) -> np.ndarray:
        """Common-language mask of every group of every round (rounds x groups)."""
        langs = np.where(self.mem >= 0, self.p.languages[np.maximum(self.mem, 0)], ALL_LANGUAGES)
        return np.bitwise_and.reduce(langs, axis=2)

    def total_cost(self) -> int:
        """The full cost from scratch (at the start, and after restores)."""
        upper = np.triu_indices(self.n, 1)
        cost = int(pair_cost(self.C[upper]).sum())
        cost += LANGUAGE * int((self.group_masks() == 0).sum())
        if self.div is not None:
            safe = np.maximum(self.mem, 0)
            pairs = self.div[safe[..., :, None], safe[..., None, :]]
            valid = (self.mem >= 0)[..., :, None] & (self.mem >= 0)[..., None, :]
            upper_w = np.triu(np.ones((self.mem.shape[2],) * 2, dtype=bool), 1)
            cost += int(np.where(valid & upper_w, pairs, 0).sum())
        return cost

    def repeats(self) -> int:
        upper = np.triu_indices(self.n, 1)
        return int(np.maximum(self.C[upper] - 1, 0).sum())

    # ----- conflicts ---------------------------------------------------------------------

    def conflicts(self) -> np.ndarray:
        """rounds x n: who meets a groupmate again or sits where no language is shared."""
        safe = np.maximum(self.mem, 0)
        met = self.C[safe[..., :, None], safe[..., None, :]] >= 2
        valid = (self.mem >= 0)[..., :, None] & (self.mem >= 0)[..., None, :]
        hit = (met & valid).any(axis=3)
        if self.languages_matter:
            hit |= (self.group_masks() == 0)[..., None]
        hit &= self.mem >= 0
        out = np.zeros((self.rounds, self.n), dtype=bool)
        r_idx, g_idx, i_idx = np.nonzero(hit)
        out[r_idx, self.mem[r_idx, g_idx, i_idx]] = True
        return out & ~self.fixed

    # ----- moves -------------------------------------------------------------------------

    def _without_self(self) -> np.ndarray:
        """rounds x n: the common-language mask of each person's group without them."""
        langs = np.where(self.mem >= 0, self.p.languages[np.maximum(self.mem, 0)], ALL_LANGUAGES)
        width = self.mem.shape[2]
        out = np.full((self.rounds, self.n), ALL_LANGUAGES, dtype=np.int64)
        for j in range(width):
            others = np.delete(langs, j, axis=2)
            masks = (
                np.bitwise_and.reduce(others, axis=2)
                if width > 1
                else np.full_like(langs[..., 0], -1)
            )
            live = self.mem[..., j] >= 0
            out[np.nonzero(live)[0], self.mem[..., j][live]] = masks[live]
        return out

    def evaluate_dense(self, r_k: np.ndarray, a_k: np.ndarray) -> np.ndarray:
        """K x n: the change of exchanging person a_k[i] with each person in round r_k[i]."""
        n = self.n
        A = add_cost(self.C).astype(np.float64)
        D = drop_gain(self.C).astype(np.float64)
        if self.div is not None:
            A += self.div
            D += self.div
        present = self.grp >= 0
        grp = np.maximum(self.grp, 0)
        onehot = np.zeros((self.rounds, n, self.mem.shape[1]), dtype=np.float64)
        r_idx, p_idx = np.nonzero(present)
        onehot[r_idx, p_idx, grp[r_idx, p_idx]] = 1.0
        to_group = np.matmul(A, onehot)
        drop_group = np.matmul(D, onehot)
        own = np.take_along_axis(drop_group, grp[:, :, None], axis=2)[:, :, 0] - D.diagonal()
        rows_grp = grp[r_k]
        ga = grp[r_k, a_k]
        join = np.take_along_axis(to_group[r_k, a_k], rows_grp, axis=1) - A[a_k]
        join += to_group[r_k[:, None], np.arange(n)[None, :], ga[:, None]] - A[:, a_k].T
        delta = (join - own[r_k, a_k][:, None] - own[r_k]).astype(np.int64)
        if self.languages_matter:
            langs = self.p.languages
            masks = self.group_masks()
            alone = self._without_self()
            now = (masks[r_k[:, None], rows_grp] == 0).astype(np.int64)
            now += (masks[r_k, ga] == 0)[:, None]
            after = ((alone[r_k, a_k][:, None] & langs[None, :]) == 0).astype(np.int64)
            after += (alone[r_k] & langs[a_k][:, None]) == 0
            delta += LANGUAGE * (after - now)
        ok = (rows_grp != ga[:, None]) & present[r_k] & ~self.fixed[r_k]
        if self.multi_slot:
            for i, (r, a) in enumerate(zip(r_k, a_k, strict=True)):
                feas = self.p.feasible[r]
                ok[i] &= feas[a, self.slot[r, grp[r]]] & feas[:, self.slot[r, ga[i]]]
        return np.where(ok, delta, BLOCKED)

    def evaluate(self, r: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Change of exchanging each of `rows` with each person of round r: (delta, cols)."""
        cols = self.present[r]
        grp, mem = self.grp[r], self.mem[r]
        n_groups = mem.shape[0]
        add = add_cost(self.C[np.ix_(rows, cols)]) + self._mixing(rows, cols)
        flat = (np.arange(len(rows))[:, None] * n_groups + grp[cols][None, :]).ravel()
        to_group = np.bincount(flat, weights=add.ravel(), minlength=len(rows) * n_groups)
        to_group = to_group.reshape(len(rows), n_groups).astype(np.int64)
        delta = to_group[:, grp[cols]] - add
        mates = mem[grp[rows]]
        mates = np.where(mates == rows[:, None], -1, mates)
        safe = np.maximum(mates, 0)
        join = add_cost(self.C[safe[:, :, None], cols[None, None, :]])
        if self.div is not None:
            join = join + self.div[safe[:, :, None], cols[None, None, :]]
        delta += np.where((mates >= 0)[:, :, None], join, 0).sum(axis=1)
        own = self._own_gain(r)
        delta -= own[rows][:, None] + own[cols][None, :]
        if self.languages_matter:
            langs = self.p.languages
            masks = self.group_masks()[r]
            row_alone = np.bitwise_and.reduce(
                np.where(mates >= 0, langs[safe], ALL_LANGUAGES), axis=1
            )
            col_mates = mem[grp[cols]]
            col_mates = np.where(col_mates == cols[:, None], -1, col_mates)
            col_alone = np.bitwise_and.reduce(
                np.where(col_mates >= 0, langs[np.maximum(col_mates, 0)], ALL_LANGUAGES), axis=1
            )
            now = (masks[grp[rows]] == 0)[:, None].astype(np.int64) + (masks[grp[cols]] == 0)[
                None, :
            ]
            after = ((row_alone[:, None] & langs[cols][None, :]) == 0).astype(np.int64)
            after += (col_alone[None, :] & langs[rows][:, None]) == 0
            delta += LANGUAGE * (after - now)
        ok = grp[rows][:, None] != grp[cols][None, :]
        ok &= ~self.fixed[r][cols][None, :]
        if self.multi_slot:
            feas = self.p.feasible[r]
            ok &= feas[np.ix_(rows, self.slot[r][grp[cols]])]
            ok &= feas[np.ix_(cols, self.slot[r][grp[rows]])].T
        return np.where(ok, delta, BLOCKED), cols

    def _own_gain(self, r: int) -> np.ndarray:
        """For each person of round r, what leaving their group saves."""
        mem = self.mem[r]
        safe = np.maximum(mem, 0)
        gain = drop_gain(self.C[safe[:, :, None], safe[:, None, :]])
        if self.div is not None:
            gain = gain + self.div[safe[:, :, None], safe[:, None, :]]
        valid = (mem >= 0)[:, :, None] & (mem >= 0)[:, None, :]
        valid &= ~np.eye(mem.shape[1], dtype=bool)[None, :, :]
        per_seat = np.where(valid, gain, 0).sum(axis=2)
        out = np.zeros(self.n, dtype=np.int64)
        out[mem[mem >= 0]] = per_seat[mem >= 0]
        return out

    def swap(self, r: int, a: int, b: int) -> None:
        """Exchange a and b in round r, keeping the meeting counts current."""
        ga, gb, pa, pb = self.grp[r, a], self.grp[r, b], self.pos[r, a], self.pos[r, b]
        row_a, row_b = self.mem[r, ga], self.mem[r, gb]
        mates_a = row_a[(row_a >= 0) & (row_a != a)]
        mates_b = row_b[(row_b >= 0) & (row_b != b)]
        C = self.C
        C[a, mates_a] -= 1
        C[mates_a, a] -= 1
        C[b, mates_a] += 1
        C[mates_a, b] += 1
        C[b, mates_b] -= 1
        C[mates_b, b] -= 1
        C[a, mates_b] += 1
        C[mates_b, a] += 1
        self.mem[r, ga, pa], self.mem[r, gb, pb] = b, a
        self.grp[r, a], self.grp[r, b] = gb, ga
        self.pos[r, a], self.pos[r, b] = pb, pa

    def restore(self, snapshot: np.ndarray) -> None:
        """Go back to a saved assignment."""
        self.mem = snapshot.copy()
        for r in range(self.rounds):
            self._index(r)
        self._recount()

    # ----- the search --------------------------------------------------------------------

    def run(
        self,
        deadline: float,
        *,
        patience: int = 300,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        """Improve until the deadline, or until repeats are at the floor and mixing stalls."""
        if self.rounds == 0 or self.n < 2:
            return
        rng = self.rng
        tabu = np.zeros((self.rounds, self.n), dtype=np.int64)
        calm = since_best = 0
        restart_after = max(RESTART, 20 * self.n)
        start = time.monotonic()
        total = max(deadline - start, 1e-6)
        while True:
            self.iterations += 1
            if self.iterations % 16 == 0:
                now = time.monotonic()
                if now >= deadline:
                    break
                if progress is not None:
                    progress(min(1.0, (now - start) / total))
            if self.div is None and self.cost <= self.floor:
                break
            conflicted = self.conflicts()
            if conflicted.any():
                r, a, b, delta = self._tabu_move(conflicted, tabu)
                if r < 0:
                    # Nobody in conflict can be exchanged (slots and locks allow no partner).
                    calm += 1
                    if calm > patience:
                        break
                    continue
            else:
                if self.div is None:
                    break
                r, a, b, delta = self._polish_move()
                if r < 0:
                    calm += 1
                    if calm > patience:
                        break
                    continue
            calm = 0
            self.swap(r, a, b)
            self.cost += delta
            tenure = int(rng.integers(TENURE[0], TENURE[1] + self.n // 8))
            tabu[r, a] = tabu[r, b] = self.iterations + tenure
            if self.cost < self.best_cost:
                self.best_cost = self.cost
                self.best = self.mem.copy()
                since_best = 0
            else:
                since_best += 1
                if since_best > restart_after:
                    self.restore(self.best)
                    if self._rebuild_a_round():
                        if self.cost < self.best_cost:
                            self.best_cost = self.cost
                            self.best = self.mem.copy()
                    else:
                        self._perturb()
                    tabu.fill(0)
                    since_best = 0
        self.restore(self.best)

    def _tabu_move(self, conflicted: np.ndarray, tabu: np.ndarray) -> tuple[int, int, int, int]:
        """The best allowed exchange involving someone in conflict (it may make things worse)."""
        rng = self.rng
        free = tabu <= self.iterations
        if self.dense:
            r_k, a_k = np.nonzero(conflicted)
            delta = self.evaluate_dense(r_k, a_k)
            blocked = ~(free[r_k, a_k][:, None] & free[r_k])
            delta = np.where(blocked & (self.cost + delta >= self.best_cost), BLOCKED, delta)
            best = int(delta.min())
            if best >= BLOCKED // 2:
                return -1, -1, -1, 0
            choices = np.argwhere(delta == best)
            i, b = (int(x) for x in choices[rng.integers(len(choices))])
            return int(r_k[i]), int(a_k[i]), b, best
        rounds = np.flatnonzero(conflicted.any(axis=1))
        r = int(rng.choice(rounds))
        rows = np.flatnonzero(conflicted[r])
        if len(rows) > SAMPLE:
            rows = rng.choice(rows, size=SAMPLE, replace=False)
        delta, cols = self.evaluate(r, rows)
        blocked = ~(free[r][rows][:, None] & free[r][cols][None, :])
        delta = np.where(blocked & (self.cost + delta >= self.best_cost), BLOCKED, delta)
        best = int(delta.min())
        if best >= BLOCKED // 2:
            return -1, -1, -1, 0
        choices = np.argwhere(delta == best)
        i, j = choices[rng.integers(len(choices))]
        return r, int(rows[i]), int(cols[j]), best

    def _polish_move(self) -> tuple[int, int, int, int]:
        """An improving exchange for mixing, once nobody is in conflict; (-1, ...) if none found."""
        rng = self.rng
        r = int(rng.integers(self.rounds))
        movable = self.present[r][~self.fixed[r][self.present[r]]]
        if len(movable) < 2:
            return -1, -1, -1, 0
        rows = rng.choice(movable, size=min(SAMPLE, len(movable)), replace=False)
        delta, cols = self.evaluate(r, rows)
        best = int(delta.min())
        if best >= 0:
            return -1, -1, -1, 0
        i, j = np.argwhere(delta == best)[0]
        return r, int(rows[i]), int(cols[j]), best

    def _rebuild_a_round(self) -> bool:
        """Regroup one round in conflict, or two, so that nobody in them meets anyone again."""
        rng = self.rng
        rounds = [int(r) for r in rng.permutation(np.flatnonzero(self.conflicts().any(axis=1)))]
        rounds = [r for r in rounds if not self.fixed[r].any()]
        choices = [[r] for r in rounds]
        if len(rounds) > 1:
            for _ in range(REBUILD_PAIRS):
                choices.append([int(r) for r in rng.choice(rounds, size=2, replace=False)])
        before = self.cost
        for chosen in choices:
            if self._regroup(chosen):
                if self.cost < before:
                    return True
                self.restore(self.best)
        return False

    def _inside(self, r: int) -> np.ndarray:
        """n x n meetings inside round r."""
        inside = np.zeros_like(self.C)
        for members in self.mem[r]:
            live = members[members >= 0]
            inside[np.ix_(live, live)] += 1
        inside[np.diag_indices(self.n)] = 0
        return inside

    def _regroup(self, rounds: list[int]) -> bool:
        """Rebuild the given rounds one after another from fresh pairs only; False if stuck."""
        met = self.C.copy()
        for r in rounds:
            met -= self._inside(r)
        speaks = None
        if self.languages_matter:
            speaks = (self.p.languages[:, None] & self.p.languages[None, :]) != 0
        rebuilt: dict[int, np.ndarray] = {}
        for r in rounds:
            fresh = met == 0 if speaks is None else (met == 0) & speaks
            rows = [g for g in range(self.mem.shape[1]) if (self.mem[r, g] >= 0).any()]
            new = self.mem[r].copy()
            for slot in np.unique(self.slot[r, rows]):
                here = [g for g in rows if self.slot[r, g] == slot]
                people = [int(p) for g in here for p in self.mem[r, g] if p >= 0]
                sizes = [int((self.mem[r, g] >= 0).sum()) for g in here]
                found = fresh_partition(people, sizes, fresh, self.rng, nodes=REBUILD_NODES)
                if found is None:
                    return False
                for g, members in zip(here, found, strict=True):
                    new[g] = -1
                    new[g, : len(members)] = members
                    live = np.array(members)
                    met[np.ix_(live, live)] += 1
            np.fill_diagonal(met, 0)
            rebuilt[r] = new
        for r, new in rebuilt.items():
            self.mem[r] = new
            self._index(r)
        self._recount()
        return True

    def _perturb(self) -> None:
        """A few random exchanges of people in conflict, to leave a basin the tabu cannot."""
        rng = self.rng
        conflicted = self.conflicts()
        for _ in range(max(2, self.n // 12)):
            rounds = np.flatnonzero(conflicted.any(axis=1))
            if not len(rounds):
                break
            r = int(rng.choice(rounds))
            a = int(rng.choice(np.flatnonzero(conflicted[r])))
            delta, cols = self.evaluate(r, np.array([a]))
            options = np.flatnonzero(delta[0] < BLOCKED // 2)
            if len(options):
                self.swap(r, a, int(cols[rng.choice(options)]))
        self.cost = self.total_cost()

    def groups(self) -> list[list[list[int]]]:
        """The groups of each round, in the frame's group order."""
        return [
            [[int(p) for p in row if p >= 0] for row in self.mem[r][: len(self.p.groups[r])]]
            for r in range(self.rounds)
        ]
