package io.caucus.chaos;

import io.caucus.sim.linearizability.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks of the counter and transaction operations ({@link CounterOp}): increments counted exactly,
 * transactions never seen half applied, transfers accounted for. Pure functions of the history and the final
 * values (read after healing, each group in one MGET, and also part of the history).
 *
 * <p>Every counter key starts absent (0) and is only ever incremented by one (INCR, a WATCHed SET of the value
 * read plus one, an INCR inside {@code MULTI}), so the value an increment leaves is one more than the number of
 * increments before it: the n-th increment to apply answers n. An acknowledged increment took effect once
 * between its invocation and its reply; a FAILED one never; an UNKNOWN one at most once, at any time after its
 * invocation. Each check fails, rather than passing vacuously, if the history has nothing for it to check.
 */
final class CounterChecks {

    /** Beyond this many reachable balance vectors, the transfer accounting falls back to bounds. */
    static final int MAX_BALANCE_STATES = 2_000_000;

    private static final Comparator<CounterOp> BY_INVOCATION = Comparator.comparingLong(CounterOp::invokedAt)
            .thenComparingInt(CounterOp::clientId);

    private CounterChecks() {
    }

    /** An operation's view of one counter key: the value it left (an increment) or read (a read). */
    private record Observation(CounterOp op, long value, boolean increment, long invokedAt, long completedAt) {
    }

    /**
     * On each counter key (the counters and the pair): every acknowledged increment answers a value no other
     * acknowledged increment answers; every value observed (answered by an increment, read by a GET, MGET or
     * GETs in one MULTI, or final) is at least every value observed before the operation was invoked (strictly
     * more for an increment) and at most the number of increments not FAILED invoked before it completed; every
     * value from 1 to the highest observed that no acknowledged increment answered is accounted for by a
     * distinct UNKNOWN increment invoked before that value was first seen; and so the final value F lies
     * between A and A + U (acknowledged and unknown increments).
     */
    static CheckOutcome counters(List<CounterOp> history, List<String> keys, Map<String, String> finalValues) {
        String name = "counters";
        List<String> problems = new ArrayList<>();
        List<CounterOp> witness = new ArrayList<>();
        Map<CounterOp.Kind, Integer> ackedByKind = new EnumMap<>(CounterOp.Kind.class);
        int acknowledged = 0;
        int unknown = 0;
        int failed = 0;
        int reads = 0;
        List<String> finals = new ArrayList<>();
        for (String key : keys) {
            List<CounterOp> increments = history.stream()
                    .filter(op -> op.kind().isWrite() && op.kind() != CounterOp.Kind.TRANSFER && op.indexOf(key) >= 0)
                    .toList();
            List<Observation> observations = new ArrayList<>();
            List<Long> notFailedInvocations = new ArrayList<>();
            List<Long> unknownInvocations = new ArrayList<>();
            int keyAcked = 0;
            int keyProblems = problems.size();
            for (CounterOp op : increments) {
                switch (op.outcome()) {
                    case FAILED -> failed++;
                    case UNKNOWN -> {
                        unknown++;
                        notFailedInvocations.add(op.invokedAt());
                        unknownInvocations.add(op.invokedAt());
                    }
                    case OK -> {
                        Long value = op.valueAt(op.indexOf(key));
                        notFailedInvocations.add(op.invokedAt());
                        if (value == null) {
                            problems.add("key " + key + ": acknowledged " + op + " answered "
                                    + quote(op.result().get(op.indexOf(key))) + " where the value after the "
                                    + "increment was expected");
                            witness.add(op);
                            unknownInvocations.add(op.invokedAt()); // applied or not, its value is not known
                            continue;
                        }
                        acknowledged++;
                        keyAcked++;
                        ackedByKind.merge(op.kind(), 1, Integer::sum);
                        observations.add(new Observation(op, value, true, op.invokedAt(), op.completedAt()));
                    }
                }
            }
            for (CounterOp op : history) {
                if (op.kind().isRead() && op.outcome() == Outcome.OK && op.indexOf(key) >= 0) {
                    Long value = op.valueAt(op.indexOf(key));
                    if (value == null) {
                        problems.add("key " + key + ": " + op + " read " + quote(op.result().get(op.indexOf(key)))
                                + ", which is not a number");
                        witness.add(op);
                        continue;
                    }
                    reads++;
                    observations.add(new Observation(op, value, false, op.invokedAt(), op.completedAt()));
                }
            }
            Long finalValue = parse(finalValues.get(key));
            if (finalValue == null) {
                problems.add("key " + key + ": the final value " + quote(finalValues.get(key)) + " is not a number");
            } else {
                // The final read comes after every operation: it must see every effect there was.
                observations.add(new Observation(null, finalValue, false, Long.MAX_VALUE - 1, Long.MAX_VALUE));
            }
            distinctValues(key, observations, problems, witness);
            withinRealTime(key, observations, notFailedInvocations, problems, witness);
            if (problems.size() == keyProblems) {
                accountedFor(key, observations, unknownInvocations, problems, witness);
            }
            if (finalValue != null) {
                int maybe = unknownInvocations.size();
                finals.add(key + " " + finalValue + " in [" + keyAcked + ", " + (keyAcked + maybe) + "]");
                if (finalValue < keyAcked || finalValue > keyAcked + maybe) {
                    problems.add("key " + key + ": final value " + finalValue + " is not between the " + keyAcked
                            + " acknowledged increments and those plus the " + maybe + " unknown ones");
                }
            }
        }
        if (acknowledged == 0 && problems.isEmpty()) {
            problems.add("no increment on " + keys + " was acknowledged: nothing was checked");
        }
        return problems.isEmpty()
                ? CheckOutcome.pass(name, acknowledged + " acknowledged increments on " + keys + " (INCR "
                        + ackedByKind.getOrDefault(CounterOp.Kind.INCR, 0) + ", WATCHed SET "
                        + ackedByKind.getOrDefault(CounterOp.Kind.WATCHED_INCR, 0) + ", INCR in MULTI "
                        + ackedByKind.getOrDefault(CounterOp.Kind.INCR_BOTH, 0) + "; " + unknown + " unknown, "
                        + failed + " failed or aborted), each value answered once and in real-time order; "
                        + reads + " reads within bounds; every value up to the final one accounted for; final "
                        + String.join(", ", finals))
                : CheckOutcome.fail(name, String.join("\n", problems), distinct(witness));
    }

    /** No two acknowledged increments of a key answer the same value. */
    private static void distinctValues(String key, List<Observation> observations, List<String> problems,
                                       List<CounterOp> witness) {
        Map<Long, Observation> byValue = new HashMap<>();
        for (Observation observation : observations) {
            if (!observation.increment()) {
                continue;
            }
            Observation other = byValue.putIfAbsent(observation.value(), observation);
            if (other != null) {
                problems.add("key " + key + ": " + other.op() + " and " + observation.op() + " both answered "
                        + observation.value() + " (an increment lost, or applied twice)");
                witness.add(other.op());
                witness.add(observation.op());
            }
        }
    }

    /**
     * Each observation sees at least the highest value observed before it was invoked (an increment strictly
     * more), and at most the number of increments not FAILED invoked before it completed.
     */
    private static void withinRealTime(String key, List<Observation> observations, List<Long> notFailedInvocations,
                                       List<String> problems, List<CounterOp> witness) {
        List<Observation> byCompletion = new ArrayList<>(observations);
        byCompletion.sort(Comparator.comparingLong(Observation::completedAt));
        long[] completions = byCompletion.stream().mapToLong(Observation::completedAt).toArray();
        Observation[] highestSoFar = new Observation[byCompletion.size()];
        for (int i = 0; i < byCompletion.size(); i++) {
            Observation current = byCompletion.get(i);
            highestSoFar[i] = i > 0 && highestSoFar[i - 1].value() >= current.value() ? highestSoFar[i - 1] : current;
        }
        long[] invocations = notFailedInvocations.stream().mapToLong(Long::longValue).sorted().toArray();
        for (Observation observation : observations) {
            int before = countBelow(completions, observation.invokedAt()) - 1;
            if (before >= 0) {
                Observation highest = highestSoFar[before];
                boolean ok = observation.increment() ? observation.value() > highest.value()
                        : observation.value() >= highest.value();
                if (!ok) {
                    problems.add("key " + key + ": " + describe(observation) + " after "
                            + describe(highest) + " had completed (" + (observation.increment()
                            ? "an increment must answer more" : "a read must not go back") + ")");
                    witness.add(highest.op());
                    witness.add(observation.op());
                }
            } else if (observation.increment() && observation.value() < 1) {
                problems.add("key " + key + ": " + describe(observation) + ", but a counter starts at 0");
                witness.add(observation.op());
            }
            if (!observation.increment() && observation.value() < 0) {
                problems.add("key " + key + ": " + describe(observation) + ", below 0, where no decrement runs");
                witness.add(observation.op());
            }
            long invokedBy = countBelow(invocations, observation.completedAt() == Long.MAX_VALUE
                    ? Long.MAX_VALUE : observation.completedAt() + 1);
            if (observation.value() > invokedBy) {
                problems.add("key " + key + ": " + describe(observation) + ", but only " + invokedBy
                        + " increments not reported FAILED had been invoked by then");
                witness.add(observation.op());
            }
        }
    }

    /**
     * Every value from 1 to the highest observed that no acknowledged increment answered was left by an
     * UNKNOWN one, each by a different one, invoked before the value was first seen (an increment or read that
     * saw it or more completed). The candidates of a value are a prefix of the unknown increments by invocation,
     * and the deadlines grow with the value, so counting per deadline (Hall's condition) decides it exactly.
     */
    private static void accountedFor(String key, List<Observation> observations, List<Long> unknownInvocations,
                                     List<String> problems, List<CounterOp> witness) {
        Set<Long> answered = new HashSet<>();
        long highest = 0;
        for (Observation observation : observations) {
            if (observation.increment()) {
                answered.add(observation.value());
            }
            highest = Math.max(highest, observation.value());
        }
        List<Observation> byValueDescending = new ArrayList<>(observations);
        byValueDescending.sort(Comparator.comparingLong(Observation::value).reversed());
        long[] invocations = unknownInvocations.stream().mapToLong(Long::longValue).sorted().toArray();
        // deadline[w]: the earliest completion of an observation of w or more; walk w downwards.
        long[] deadline = new long[(int) highest + 1];
        long earliest = Long.MAX_VALUE;
        Observation firstSeen = null;
        Observation[] seenBy = new Observation[(int) highest + 1];
        int next = 0;
        for (long w = highest; w >= 1; w--) {
            while (next < byValueDescending.size() && byValueDescending.get(next).value() >= w) {
                Observation observation = byValueDescending.get(next++);
                if (observation.completedAt() <= earliest) {
                    earliest = observation.completedAt();
                    firstSeen = observation;
                }
            }
            deadline[(int) w] = earliest;
            seenBy[(int) w] = firstSeen;
        }
        int gaps = 0;
        for (int w = 1; w <= highest; w++) {
            if (answered.contains((long) w)) {
                continue;
            }
            gaps++;
            int candidates = countBelow(invocations, deadline[w] == Long.MAX_VALUE ? Long.MAX_VALUE : deadline[w] + 1);
            if (gaps > candidates) {
                problems.add("key " + key + ": " + gaps + " values up to " + w + " were answered by no acknowledged "
                        + "increment, but only " + candidates + " unknown increments were invoked before "
                        + describe(seenBy[w]) + " completed (an increment reported FAILED applied, or one applied "
                        + "twice)");
                if (seenBy[w].op() != null) {
                    witness.add(seenBy[w].op());
                }
                return;
            }
        }
    }

    /**
     * Transactions are all or nothing. The pair only moves by {@code MULTI; INCR k1; INCR k2; EXEC}, so every
     * acknowledged such EXEC answers two equal integers, and every acknowledged read of both keys at once (MGET,
     * or GETs in one MULTI) and the final values see them equal. The accounts only move by transfers
     * ({@code MULTI; DECRBY from n; INCRBY to n; EXEC}), so every acknowledged transfer answers two integers,
     * and every acknowledged read of all of them and the final values sum to 0.
     */
    static CheckOutcome transactionsAtomic(List<CounterOp> history, List<String> pairKeys, List<String> accountKeys,
                                           Map<String, String> finalValues) {
        String name = "transactions atomic";
        List<String> problems = new ArrayList<>();
        List<CounterOp> witness = new ArrayList<>();
        int pairTransactions = 0;
        int transfers = 0;
        int pairReads = 0;
        int accountReads = 0;
        for (CounterOp op : history) {
            if (op.outcome() != Outcome.OK) {
                continue;
            }
            if (op.kind() == CounterOp.Kind.INCR_BOTH) {
                pairTransactions++;
                Long first = op.valueAt(0);
                Long second = op.valueAt(1);
                if (first == null || second == null || !first.equals(second)) {
                    problems.add(op + ": the two INCRs of one transaction answered differently (half of it, or "
                            + "another change, came in between)");
                    witness.add(op);
                }
            } else if (op.kind() == CounterOp.Kind.TRANSFER) {
                transfers++;
                if (op.valueAt(0) == null || op.valueAt(1) == null) {
                    problems.add(op + ": a transfer acknowledged with a failed half");
                    witness.add(op);
                }
            } else if (op.kind() == CounterOp.Kind.MGET || op.kind() == CounterOp.Kind.MULTI_GET) {
                if (op.keys().equals(pairKeys)) {
                    pairReads++;
                    List<Long> values = values(op);
                    if (values == null || !values.get(0).equals(values.get(1))) {
                        problems.add(op + ": the pair read unequal (half a transaction seen)");
                        witness.add(op);
                    }
                } else if (op.keys().equals(accountKeys)) {
                    accountReads++;
                    List<Long> values = values(op);
                    if (values == null || values.stream().mapToLong(Long::longValue).sum() != 0) {
                        problems.add(op + ": the accounts read sum to " + (values == null ? "no number"
                                : values.stream().mapToLong(Long::longValue).sum()) + ", not 0 (half a transfer "
                                + "seen)");
                        witness.add(op);
                    }
                }
            }
        }
        List<Long> finalPair = values(pairKeys, finalValues);
        if (finalPair == null || !finalPair.get(0).equals(finalPair.get(1))) {
            problems.add("final values of the pair " + pairKeys + " are " + finalOf(pairKeys, finalValues)
                    + ", not equal");
        }
        List<Long> finalAccounts = values(accountKeys, finalValues);
        if (finalAccounts == null || finalAccounts.stream().mapToLong(Long::longValue).sum() != 0) {
            problems.add("final values of the accounts " + accountKeys + " are " + finalOf(accountKeys, finalValues)
                    + ", which do not sum to 0");
        }
        if (problems.isEmpty() && (pairTransactions == 0 || transfers == 0 || pairReads == 0 || accountReads == 0)) {
            problems.add("nothing to check on one group: acknowledged pair transactions " + pairTransactions
                    + ", transfers " + transfers + ", reads of the whole pair " + pairReads + ", of all accounts "
                    + accountReads);
        }
        return problems.isEmpty()
                ? CheckOutcome.pass(name, (pairTransactions + transfers) + " acknowledged transactions ("
                        + pairTransactions + " MULTI/INCR/INCR/EXEC on " + pairKeys + ", each answering equal "
                        + "values; " + transfers + " transfers between " + accountKeys + ", both halves answered); "
                        + (pairReads + accountReads) + " acknowledged reads of a whole group (" + pairReads
                        + " of the pair, all equal; " + accountReads + " of the accounts, all summing to 0); final "
                        + finalOf(pairKeys, finalValues) + " equal, " + finalOf(accountKeys, finalValues)
                        + " sum 0")
                : CheckOutcome.fail(name, String.join("\n", problems), distinct(witness));
    }

    /**
     * The final balances are exactly those of the acknowledged transfers plus some subset of the UNKNOWN ones
     * (each applied once or not at all), and none of the FAILED ones: the balance vectors reachable that way
     * are enumerated (up to {@link #MAX_BALANCE_STATES}; beyond that, each balance is only checked to lie
     * within what the unknown transfers could add or take). This catches an acknowledged transfer lost whole,
     * which the sum alone cannot.
     */
    static CheckOutcome transfersAccounted(List<CounterOp> history, List<String> accountKeys,
                                           Map<String, String> finalValues) {
        String name = "transfers accounted for";
        List<CounterOp> transfers = history.stream().filter(op -> op.kind() == CounterOp.Kind.TRANSFER).toList();
        long[] acked = new long[accountKeys.size()];
        List<long[]> unknownDeltas = new ArrayList<>();
        int ackedCount = 0;
        int failed = 0;
        for (CounterOp op : transfers) {
            long[] delta = new long[accountKeys.size()];
            delta[accountKeys.indexOf(op.keys().get(0))] -= op.argument();
            delta[accountKeys.indexOf(op.keys().get(1))] += op.argument();
            switch (op.outcome()) {
                case OK -> {
                    ackedCount++;
                    for (int i = 0; i < acked.length; i++) {
                        acked[i] += delta[i];
                    }
                }
                case UNKNOWN -> unknownDeltas.add(delta);
                case FAILED -> failed++;
            }
        }
        List<Long> target = values(accountKeys, finalValues);
        if (target == null) {
            return CheckOutcome.fail(name, "final values of the accounts " + accountKeys + " are "
                    + finalOf(accountKeys, finalValues) + ", not numbers", List.of());
        }
        if (ackedCount == 0) {
            return CheckOutcome.fail(name, "no transfer was acknowledged: nothing was checked", List.of());
        }
        String expected = "the " + ackedCount + " acknowledged transfers leave " + vector(accountKeys, acked)
                + "; the final values are " + finalOf(accountKeys, finalValues);
        Boolean reachable = reachable(acked, unknownDeltas, target.stream().mapToLong(Long::longValue).toArray());
        if (reachable == null) {
            List<String> outside = new ArrayList<>();
            for (int i = 0; i < acked.length; i++) {
                long low = acked[i];
                long high = acked[i];
                for (long[] delta : unknownDeltas) {
                    low += Math.min(0, delta[i]);
                    high += Math.max(0, delta[i]);
                }
                if (target.get(i) < low || target.get(i) > high) {
                    outside.add(accountKeys.get(i) + " " + target.get(i) + " not in [" + low + ", " + high + "]");
                }
            }
            return outside.isEmpty()
                    ? CheckOutcome.pass(name, expected + ", each within what the " + unknownDeltas.size()
                            + " unknown transfers could add or take (too many to enumerate their subsets)")
                    : CheckOutcome.fail(name, expected + ": " + String.join(", ", outside), List.of());
        }
        return reachable
                ? CheckOutcome.pass(name, expected + ": the acknowledged transfers plus a subset of the "
                        + unknownDeltas.size() + " unknown ones, none of the " + failed + " failed")
                : CheckOutcome.fail(name, expected + ": no subset of the " + unknownDeltas.size()
                        + " unknown transfers makes up the difference (an acknowledged transfer lost, or a failed "
                        + "one applied)", List.of());
    }

    /** Whether {@code start} plus some subset of {@code deltas} is {@code target}; null if too many states. */
    private static Boolean reachable(long[] start, List<long[]> deltas, long[] target) {
        Set<List<Long>> states = new HashSet<>();
        states.add(boxed(start));
        for (long[] delta : deltas) {
            Set<List<Long>> next = new HashSet<>(states);
            for (List<Long> state : states) {
                long[] moved = new long[state.size()];
                for (int i = 0; i < moved.length; i++) {
                    moved[i] = state.get(i) + delta[i];
                }
                next.add(boxed(moved));
                if (next.size() > MAX_BALANCE_STATES) {
                    return null;
                }
            }
            states = next;
        }
        return states.contains(boxed(target));
    }

    private static List<Long> boxed(long[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static String vector(List<String> keys, long[] values) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            map.put(keys.get(i), values[i]);
        }
        return map.toString();
    }

    /** The values an OK read saw (absent = 0), or null if one is not a number. */
    private static List<Long> values(CounterOp op) {
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < op.keys().size(); i++) {
            Long value = op.valueAt(i);
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private static List<Long> values(List<String> keys, Map<String, String> finalValues) {
        List<Long> values = new ArrayList<>();
        for (String key : keys) {
            Long value = parse(finalValues.get(key));
            if (value == null) {
                return null;
            }
            values.add(value);
        }
        return values;
    }

    private static String finalOf(List<String> keys, Map<String, String> finalValues) {
        Map<String, String> map = new LinkedHashMap<>();
        keys.forEach(key -> map.put(key, finalValues.get(key) == null ? "absent" : finalValues.get(key)));
        return map.toString();
    }

    /** A counter's text as a number, absent = 0; null if it is not one. */
    private static Long parse(String value) {
        if (value == null) {
            return 0L;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** How many of the sorted {@code values} are below {@code limit}. */
    private static int countBelow(long[] values, long limit) {
        int low = 0;
        int high = values.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (values[middle] < limit) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private static String describe(Observation observation) {
        if (observation.op() == null) {
            return "the final read (" + observation.value() + ")";
        }
        return observation.op() + (observation.increment() ? " answering " : " reading ") + observation.value();
    }

    private static String quote(String value) {
        return value == null ? "absent" : '"' + value + '"';
    }

    /** The operations named, once each, in invocation order (the final read is no operation: left out). */
    private static List<CounterOp> distinct(List<CounterOp> witness) {
        return witness.stream().filter(java.util.Objects::nonNull).distinct().sorted(BY_INVOCATION).toList();
    }
}
