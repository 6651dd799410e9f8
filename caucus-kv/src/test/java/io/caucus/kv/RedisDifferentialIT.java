package io.caucus.kv;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.RedisCommandGenerator.Command;
import io.caucus.kv.RedisCommandGenerator.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Differential test of the Redis data model: the same randomly generated command sequences go to a real
 * {@code redis-server} (the reference) and to a 3-node Caucus cluster of real processes, every reply is compared
 * as a raw RESP value, and after each sequence the whole key space is compared (keys, types, contents, whether a
 * TTL is set). Commands reach Caucus through a follower for about half of the sequences (forwarding is part of
 * what is tested) and through the leader for the others; a second connection (B), on a node of its own, modifies
 * watched keys between WATCH and EXEC.
 *
 * <p>Replies are compared exactly, except where Redis itself does not define them: the order of SMEMBERS,
 * SINTER, SUNION, SDIFF, KEYS, HKEYS, HVALS (multisets) and of HGETALL (a multiset of field/value pairs); SCAN,
 * SSCAN, HSCAN and ZSCAN, iterated to cursor 0 on each side with the union compared as a set (the cursors
 * themselves are not compared); SPOP, SRANDMEMBER and RANDOMKEY, of which only the shape is compared (count,
 * distinctness, members taken from the key's set) and after SPOP both sides' key is rebuilt from the reference's
 * SMEMBERS and PTTL; TTL/EXPIRETIME within 1 s and PTTL/PEXPIRETIME within {@value #PTTL_TOLERANCE_MILLIS} ms
 * (the two servers set a relative expiry at slightly different instants); OBJECT ENCODING, where only "a bulk
 * string for an existing key" is checked. Inside MULTI the same rules apply to each element of EXEC's reply.
 * Status and bulk replies are both seen as byte strings through Jedis, so "+OK" and "$2 OK" are not told apart.
 *
 * <p>System properties: {@code caucus.diff.seed} (the seed of the first sequence; sequence i uses seed+i;
 * random by default, always printed), {@code caucus.diff.sequences} (default 150), {@code caucus.diff.commands}
 * (per sequence, default 25), {@code caucus.diff.reports} (failing sequences printed in full, default 3) and
 * {@code caucus.diff.target}: {@code caucus} (default) or {@code redis}, which compares the reference with a
 * second redis-server instead, to prove that the harness itself (generator, normalisation, tolerances) finds no
 * difference between two identical servers.
 */
class RedisDifferentialIT {

    /**
     * A difference we decided to keep: the target's reply to {@code command} (upper-case name, or "*" for any)
     * whose rendering (as in the transcripts) matches {@code targetReply} is accepted, printed and counted.
     */
    record Departure(String command, Pattern targetReply, String reason) {
        boolean matches(Command sent, String renderedTargetReply) {
            return (command.equals("*") || command.equals(sent.name()))
                    && targetReply.matcher(renderedTargetReply).find();
        }
    }

    /**
     * Differences from Redis that Caucus keeps on purpose. Keep it tiny; every entry needs its reason. An entry
     * looks like {@code new Departure("OBJECT", Pattern.compile("^\"raw\"$"), "why this is kept")}.
     */
    static final List<Departure> KNOWN_DEPARTURES = List.of();

    static final long TTL_TOLERANCE_SECONDS = 1;
    static final long PTTL_TOLERANCE_MILLIS = 1500;
    private static final int CLIENT_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_SCAN_CALLS = 10_000;
    /** Each broken sequence may have waited for the client timeout: do not wait 150 times. */
    private static final int MAX_BROKEN_SEQUENCES_IN_A_ROW = 3;

    private static final long SEED = seedProperty();
    private static final int SEQUENCES = Integer.getInteger("caucus.diff.sequences", 150);
    private static final int COMMANDS = Integer.getInteger("caucus.diff.commands", 25);
    private static final int FULL_REPORTS = Integer.getInteger("caucus.diff.reports", 3);
    private static final String TARGET = System.getProperty("caucus.diff.target", "caucus").trim();

    /** An error reply; its message is compared exactly. */
    record Err(String message) {
    }

    /** The connection failed (or the reply could not be read): always a difference. */
    record Broken(String message) {
    }

    /** SCAN-family commands iterated to cursor 0: the distinct elements (or pairs), sorted by rendering. */
    record ScanResult(List<Object> elements) {
    }

    /** Where the two connections of one sequence go. */
    record Route(int portA, int portB, String description) {
    }

    /** The system compared with the reference redis-server. */
    interface Target extends AutoCloseable {
        String name();

        /**
         * @param viaFollower A goes to a follower (else the leader)
         * @param follower    which follower (0..1) when it does
         * @param nodeB       which node (0..2) B uses
         */
        Route route(boolean viaFollower, int follower, int nodeB);
    }

    @Test
    void everyReplyAndTheFinalStateMatchRedis() throws Exception {
        Path directory = ProcessCluster.freshDirectory("redis-differential-test");
        try (RedisServerProcess reference = RedisServerProcess.start(directory, "reference");
                Target target = switch (TARGET) {
                    case "caucus" -> new CaucusTarget(directory);
                    case "redis" -> new SecondRedis(RedisServerProcess.start(directory, "second",
                            SecondRedis.OTHER_ENCODINGS));
                    default -> throw new IllegalArgumentException(
                            "caucus.diff.target must be caucus or redis, not '" + TARGET + "'");
                }) {
            new Run(reference, target).all();
        }
    }

    /** The comparison rules accept what Redis leaves open and nothing more. */
    @Test
    void theNormalisationIsNoMoreLenientThanRedisIsFree() {
        assertThat(same(Kind.UNORDERED, List.of("a", "b", "a"), List.of("a", "a", "b"))).isTrue();
        assertThat(same(Kind.UNORDERED, List.of("a", "b", "b"), List.of("a", "a", "b"))).isFalse();
        assertThat(same(Kind.UNORDERED, new Err("WRONGTYPE x"), new Err("WRONGTYPE y"))).isFalse();
        assertThat(same(Kind.PAIRS, List.of("f1", "1", "f2", "2"), List.of("f2", "2", "f1", "1"))).isTrue();
        assertThat(same(Kind.PAIRS, List.of("f1", "1", "f2", "2"), List.of("f1", "2", "f2", "1"))).isFalse();
        assertThat(same(Kind.TTL_SECONDS, 100L, 101L)).isTrue();
        assertThat(same(Kind.TTL_SECONDS, 100L, 102L)).isFalse();
        assertThat(same(Kind.TTL_SECONDS, -1L, 0L)).isFalse();
        assertThat(same(Kind.TTL_MILLIS, 100_000L, 101_500L)).isTrue();
        assertThat(same(Kind.TTL_MILLIS, 100_000L, 101_501L)).isFalse();
        assertThat(same(Kind.TTL_MILLIS, -2L, -1L)).isFalse();
        assertThat(same(Kind.ENCODING, "listpack", "hashtable")).isTrue();
        assertThat(same(Kind.ENCODING, null, "listpack")).isFalse();
        assertThat(same(Kind.ENCODING, "listpack", new Err("ERR no such key"))).isFalse();
        assertThat(same(Kind.EXACT, List.of("a", "b"), List.of("b", "a"))).isFalse();
        assertThat(same(Kind.EXACT, new Err("ERR syntax error"), new Err("ERR syntax error"))).isTrue();
        assertThat(same(Kind.EXACT, new Broken("x"), new Broken("x"))).isFalse();
        assertThat(render(List.of(1L, "a\u0000", new Err("ERR x "), Arrays.asList((Object) null))))
                .isEqualTo("[(integer) 1, \"a\\x00\", (error) \"ERR x \", [(nil)]]");
    }

    // ---------------------------------------------------------------- the run

    private static final class Run {
        private final RedisServerProcess reference;
        private final Target target;
        private final String ref = "redis";
        private final String tgt;
        private int sequences;
        private int commands;
        private int finalReads;
        private final Map<String, Integer> departuresHit = new TreeMap<>();
        /** Per command name, from the reference's replies: {replies, errors, of which WRONGTYPE, nil}. */
        private final Map<String, int[]> coverage = new TreeMap<>();
        private final List<Sequence> failed = new ArrayList<>();

        Run(RedisServerProcess reference, Target target) {
            this.reference = reference;
            this.target = target;
            this.tgt = target.name();
        }

        void all() {
            String version;
            try (Conn conn = new Conn(reference.port)) {
                version = String.valueOf(conn.send(List.of("INFO", "server"))).lines()
                        .filter(line -> line.startsWith("redis_version:")).findFirst().orElse("redis_version:?");
            }
            System.out.printf("RedisDifferentialIT: %s vs %s (%s), %d sequences of ~%d commands, seed %d%n", tgt,
                    ref, version, SEQUENCES, COMMANDS, SEED);
            long start = System.nanoTime();
            int brokenInARow = 0;
            for (int i = 0; i < SEQUENCES; i++) {
                Sequence sequence = new Sequence(i, SEED + i);
                sequence.run();
                sequences++;
                if (sequence.difference != null) {
                    failed.add(sequence);
                }
                brokenInARow = sequence.targetBroke ? brokenInARow + 1 : 0;
                if (brokenInARow == MAX_BROKEN_SEQUENCES_IN_A_ROW) {
                    System.out.printf("RedisDifferentialIT: stopping after %d sequences in a row in which the "
                            + "connection to %s broke or timed out%n", brokenInARow, tgt);
                    break;
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            StringBuilder summary = new StringBuilder();
            summary.append(String.format(Locale.ROOT, "RedisDifferentialIT: %d sequences run, %d commands "
                    + "compared (and %d final-state reads), %d known departures hit, %d sequences differ; %.1f s; "
                    + "seed %d%n",
                    sequences, commands, finalReads, departuresHit.values().stream().mapToInt(n -> n).sum(),
                    failed.size(), millis / 1000.0, SEED));
            departuresHit.forEach((reason, n) -> summary.append(String.format("  departure hit %d x: %s%n", n,
                    reason)));
            System.out.print(summary);
            System.out.print(coverageReport());
            if (failed.isEmpty()) {
                return;
            }
            StringBuilder report = new StringBuilder();
            Map<String, Integer> byCommand = new TreeMap<>();
            failed.forEach(s -> byCommand.merge(s.differingCommand, 1, Integer::sum));
            report.append(String.format("%d of %d sequences differ between %s and %s. First difference by command: "
                    + "%s%n", failed.size(), sequences, tgt, ref, byCommand));
            for (Sequence sequence : failed) {
                report.append(String.format("  sequence %d (seed %d): %s%n", sequence.index, sequence.seed,
                        sequence.difference));
            }
            for (Sequence sequence : failed.subList(0, Math.min(FULL_REPORTS, failed.size()))) {
                report.append('\n').append(sequence.report());
            }
            throw new AssertionError(summary + report.toString());
        }

        private void count(Command command, Object refReply) {
            int[] counts = coverage.computeIfAbsent(command.name(), name -> new int[4]);
            counts[0]++;
            if (refReply instanceof Err err) {
                counts[1]++;
                if (err.message().startsWith("WRONGTYPE")) {
                    counts[2]++;
                }
            } else if (refReply == null) {
                counts[3]++;
            }
        }

        /** Replies per command name as the reference gave them: total (errors, WRONGTYPE among them, nil). */
        private String coverageReport() {
            StringBuilder text = new StringBuilder("RedisDifferentialIT: reference replies per command "
                    + "(errors/WRONGTYPE/nil):");
            int column = 110;
            for (Map.Entry<String, int[]> entry : coverage.entrySet()) {
                int[] c = entry.getValue();
                String item = String.format(" %s %d (%d/%d/%d)", entry.getKey(), c[0], c[1], c[2], c[3]);
                if (column + item.length() > 110) {
                    text.append("\n ");
                    column = 1;
                }
                text.append(item);
                column += item.length();
            }
            return text.append('\n').toString();
        }

        // ------------------------------------------------------------ one sequence

        private final class Sequence {
            final int index;
            final long seed;
            final List<String> transcript = new ArrayList<>();
            List<Command> generated = List.of();
            Route route;
            String difference;
            String differingCommand;
            /** A connection to the target broke (or a reply timed out) during this sequence. */
            boolean targetBroke;
            /** MULTI state of connection A, from the reference's replies: open, and the kinds queued so far. */
            boolean inMulti;
            final List<Kind> queued = new ArrayList<>();

            Sequence(int index, long seed) {
                this.index = index;
                this.seed = seed;
            }

            void run() {
                Random random = new Random(seed);
                boolean viaFollower = random.nextBoolean();
                int follower = random.nextInt(2);
                int nodeB = random.nextInt(3);
                route = target.route(viaFollower, follower, nodeB);
                generated = new RedisCommandGenerator(random, System.currentTimeMillis()).sequence(COMMANDS);
                try (Conn refA = new Conn(reference.port); Conn refB = new Conn(reference.port);
                        Conn tgtA = new Conn(route.portA()); Conn tgtB = new Conn(route.portB())) {
                    for (int i = 0; i < generated.size() && difference == null; i++) {
                        Command command = generated.get(i);
                        commands++;
                        compare(String.format("#%02d", i + 1), command, command.second() ? refB : refA,
                                command.second() ? tgtB : tgtA);
                    }
                }
                if (difference == null) {
                    try (Conn refC = new Conn(reference.port); Conn tgtC = new Conn(route.portA())) {
                        finalState(refC, tgtC);
                    }
                }
                try (Conn refC = new Conn(reference.port); Conn tgtC = new Conn(route.portA())) {
                    Object refReply = refC.send(List.of("FLUSHALL"));
                    Object tgtReply = tgtC.send(List.of("FLUSHALL"));
                    if (difference == null && !Objects.equals(refReply, tgtReply)) {
                        differ("FLUSHALL", String.format("cleanup FLUSHALL: %s %s, %s %s", ref, render(refReply),
                                tgt, render(tgtReply)));
                    }
                    // Whatever FLUSHALL did, start the next sequence from nothing: DEL every name of the key space.
                    List<String> del = new ArrayList<>(List.of("DEL"));
                    del.addAll(RedisCommandGenerator.KEYS);
                    refC.send(del);
                    tgtC.send(del);
                }
            }

            /** Runs {@code command} on both sides, compares, records it; a difference ends the sequence. */
            void compare(String label, Command command, Conn refConn, Conn tgtConn) {
                Object refReply;
                Object tgtReply;
                boolean same;
                String note = null;
                Kind kind = command.kind();
                switch (kind) {
                    case SCAN_SET, SCAN_PAIRS -> {
                        refReply = scanAll(command, refConn);
                        tgtReply = scanAll(command, tgtConn);
                        same = Objects.equals(refReply, tgtReply) && !(tgtReply instanceof Broken);
                    }
                    case SPOP, SRANDMEMBER, RANDOMKEY -> {
                        Set<String> refBefore = kind == Kind.RANDOMKEY ? Set.of() : members(refConn, command);
                        Set<String> tgtBefore = kind == Kind.RANDOMKEY ? Set.of() : members(tgtConn, command);
                        refReply = refConn.send(command.args());
                        tgtReply = tgtConn.send(command.args());
                        same = shape(refReply).equals(shape(tgtReply))
                                && plausible(kind, command, refReply, refBefore, refConn)
                                && plausible(kind, command, tgtReply, tgtBefore, tgtConn);
                        note = "random reply: shape and membership compared";
                        if (same && kind == Kind.SPOP && !(refReply instanceof Err)) {
                            String resync = resynchronise(command.args().get(1), refConn, tgtConn);
                            if (resync != null) {
                                same = false;
                                note = resync;
                            }
                        }
                    }
                    default -> {
                        refReply = refConn.send(command.args());
                        tgtReply = tgtConn.send(command.args());
                        same = sameInTransaction(command, kind, refReply, tgtReply);
                    }
                }
                String renderedTgt = render(tgtReply);
                targetBroke |= tgtReply instanceof Broken;
                if (!same) {
                    for (Departure departure : KNOWN_DEPARTURES) {
                        if (departure.matches(command, renderedTgt)) {
                            same = true;
                            note = "known departure: " + departure.reason();
                            departuresHit.merge(departure.reason(), 1, Integer::sum);
                            System.out.printf("RedisDifferentialIT: departure hit in sequence %d (seed %d): %s -> "
                                    + "%s: %s%n", index, seed, command.text(), renderedTgt, departure.reason());
                            break;
                        }
                    }
                }
                String renderedRef = render(refReply);
                if (!label.equals("final")) {
                    count(command, refReply);
                }
                if (same && renderedRef.equals(renderedTgt) && note == null) {
                    transcript.add(String.format("%s %s  ->  %s", label, command.text(), renderedRef));
                } else {
                    transcript.add(String.format("%s %s", label, command.text()));
                    transcript.add(String.format("      %-6s %s", ref, renderedRef));
                    transcript.add(String.format("      %-6s %s%s", tgt, renderedTgt,
                            same ? "   (same" + (note == null ? " as " + kind : "; " + note) + ")"
                                    : "   <-- DIFFERENT" + (note == null ? "" : " (" + note + ")")));
                }
                if (!same) {
                    differ(command.name(), String.format("%s %s: %s %s, %s %s%s", label, command.text(), ref,
                            renderedRef, tgt, renderedTgt, note == null ? "" : " (" + note + ")"));
                }
            }

            private void differ(String commandName, String description) {
                difference = description;
                differingCommand = commandName;
            }

            /** Compares per kind and follows A's MULTI state, comparing EXEC's elements by the queued kinds. */
            private boolean sameInTransaction(Command command, Kind kind, Object refReply, Object tgtReply) {
                if (command.second()) {
                    return same(kind, refReply, tgtReply);
                }
                String name = command.name();
                if (!inMulti) {
                    if (name.equals("MULTI") && "OK".equals(refReply)) {
                        inMulti = true;
                        queued.clear();
                    }
                    return same(kind, refReply, tgtReply);
                }
                if (name.equals("EXEC") || name.equals("DISCARD")) {
                    inMulti = false;
                    if (name.equals("EXEC") && refReply instanceof List<?> refs && tgtReply instanceof List<?> tgts
                            && refs.size() == queued.size() && tgts.size() == queued.size()) {
                        for (int i = 0; i < queued.size(); i++) {
                            if (!same(queued.get(i), refs.get(i), tgts.get(i))) {
                                return false;
                            }
                        }
                        return true;
                    }
                    return Objects.equals(refReply, tgtReply);
                }
                if ("QUEUED".equals(refReply)) {
                    queued.add(kind);
                }
                return Objects.equals(refReply, tgtReply);
            }

            /** Keys (SCAN), then TYPE, contents and PTTL of each: read through A's node. */
            private void finalState(Conn refC, Conn tgtC) {
                Command scan = new Command(false, List.of("SCAN", "0", "COUNT", "100"));
                finalRead(scan, refC, tgtC);
                if (difference != null) {
                    return;
                }
                Object keys = scanAll(scan, refC);
                if (!(keys instanceof ScanResult result)) {
                    return;
                }
                for (Object element : result.elements()) {
                    String key = (String) element;
                    Object type = refC.send(List.of("TYPE", key));
                    finalRead(new Command(false, List.of("TYPE", key)), refC, tgtC);
                    List<String> contents = switch (String.valueOf(type)) {
                        case "string" -> List.of("GET", key);
                        case "hash" -> List.of("HGETALL", key);
                        case "set" -> List.of("SMEMBERS", key);
                        case "list" -> List.of("LRANGE", key, "0", "-1");
                        case "zset" -> List.of("ZRANGE", key, "0", "-1", "WITHSCORES");
                        default -> null;
                    };
                    if (contents != null && difference == null) {
                        finalRead(new Command(false, contents), refC, tgtC);
                    }
                    if (difference == null) {
                        finalRead(new Command(false, List.of("PTTL", key)), refC, tgtC);
                    }
                    if (difference != null) {
                        return;
                    }
                }
            }

            private void finalRead(Command command, Conn refC, Conn tgtC) {
                finalReads++;
                compare("final", command, refC, tgtC);
            }

            String report() {
                StringBuilder text = new StringBuilder();
                text.append(String.format("=== sequence %d, seed %d: A via %s; %s vs %s%n", index, seed,
                        route.description(), tgt, ref));
                text.append(String.format("reproduce: ./mvnw -o -B -pl caucus-kv -am test"
                        + " -Dtest=RedisDifferentialIT -Dsurefire.failIfNoSpecifiedTests=false"
                        + " -Dcaucus.diff.seed=%d -Dcaucus.diff.sequences=1%s%s%n",
                        seed, COMMANDS == 25 ? "" : " -Dcaucus.diff.commands=" + COMMANDS,
                        TARGET.equals("caucus") ? "" : " -Dcaucus.diff.target=" + TARGET));
                text.append("first difference: ").append(difference).append('\n');
                transcript.forEach(line -> text.append(line).append('\n'));
                int run = (int) transcript.stream().filter(line -> line.startsWith("#")).count();
                for (int i = run; i < generated.size(); i++) {
                    text.append(String.format("#%02d %s  (not run)%n", i + 1, generated.get(i).text()));
                }
                return text.toString();
            }
        }

        // ------------------------------------------------------------ random replies

        /** The members of the set named by the command's key on this side (empty if it is not a set). */
        private static Set<String> members(Conn conn, Command command) {
            Set<String> members = new HashSet<>();
            if (command.args().size() > 1
                    && conn.send(List.of("SMEMBERS", command.args().get(1))) instanceof List<?> l) {
                l.forEach(m -> members.add(String.valueOf(m)));
            }
            return members;
        }

        /** nil, bulk, array of n, or the exact integer/error: what two random replies must share. */
        private static String shape(Object reply) {
            return switch (reply) {
                case null -> "nil";
                case String s -> "bulk";
                case List<?> l -> "array of " + l.size();
                default -> render(reply);
            };
        }

        /** A random reply's members come from the set as it was (distinct unless SRANDMEMBER's count is < 0). */
        private static boolean plausible(Kind kind, Command command, Object reply, Set<String> before, Conn conn) {
            if (kind == Kind.RANDOMKEY) {
                return !(reply instanceof String key) || Long.valueOf(1).equals(conn.send(List.of("EXISTS", key)));
            }
            if (reply instanceof String member) {
                return before.contains(member);
            }
            if (reply instanceof List<?> list) {
                boolean mayRepeat = kind == Kind.SRANDMEMBER && command.args().size() > 2
                        && command.args().get(2).startsWith("-");
                Set<Object> distinct = new HashSet<>(list);
                return before.containsAll(list) && (mayRepeat || distinct.size() == list.size());
            }
            return true;
        }

        /** After SPOP: rebuild the key on both sides from the reference's SMEMBERS and PTTL. */
        private String resynchronise(String key, Conn refConn, Conn tgtConn) {
            Object members = refConn.send(List.of("SMEMBERS", key));
            Object pttl = refConn.send(List.of("PTTL", key));
            List<List<String>> rebuild = new ArrayList<>();
            rebuild.add(List.of("DEL", key));
            if (members instanceof List<?> list && !list.isEmpty()) {
                List<String> sadd = new ArrayList<>(List.of("SADD", key));
                list.forEach(m -> sadd.add(String.valueOf(m)));
                rebuild.add(sadd);
                if (pttl instanceof Long millis && millis > 0) {
                    rebuild.add(List.of("PEXPIRE", key, Long.toString(millis)));
                }
            }
            for (List<String> args : rebuild) {
                Object refReply = refConn.send(args);
                Object tgtReply = tgtConn.send(args);
                if (!Objects.equals(refReply, tgtReply)) {
                    return String.format("resynchronising after SPOP, %s: %s %s, %s %s", String.join(" ", args), ref,
                            render(refReply), tgt, render(tgtReply));
                }
            }
            return null;
        }
    }

    // ---------------------------------------------------------------- comparison

    static boolean same(Kind kind, Object ref, Object tgt) {
        if (tgt instanceof Broken) {
            return false;
        }
        return switch (kind) {
            case UNORDERED -> ref instanceof List<?> r && tgt instanceof List<?> t
                    ? sorted(r).equals(sorted(t)) : Objects.equals(ref, tgt);
            case PAIRS -> ref instanceof List<?> r && tgt instanceof List<?> t && r.size() % 2 == 0 && t.size() % 2 == 0
                    ? sorted(pairs(r)).equals(sorted(pairs(t))) : Objects.equals(ref, tgt);
            case TTL_SECONDS -> within(ref, tgt, TTL_TOLERANCE_SECONDS);
            case TTL_MILLIS -> within(ref, tgt, PTTL_TOLERANCE_MILLIS);
            case ENCODING -> ref instanceof String ? tgt instanceof String : Objects.equals(ref, tgt);
            default -> Objects.equals(ref, tgt);
        };
    }

    /** Negative TTLs (-1 no expiry, -2 no key) exactly; a remaining time within the tolerance. */
    private static boolean within(Object ref, Object tgt, long tolerance) {
        if (ref instanceof Long r && tgt instanceof Long t && r >= 0 && t >= 0) {
            return Math.abs(r - t) <= tolerance;
        }
        return Objects.equals(ref, tgt);
    }

    private static List<Object> pairs(List<?> flat) {
        List<Object> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            pairs.add(List.of(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1))));
        }
        return pairs;
    }

    private static List<Object> sorted(List<?> elements) {
        List<Object> copy = new ArrayList<>(elements);
        copy.sort(Comparator.comparing(RedisDifferentialIT::render));
        return copy;
    }

    /** Iterates a SCAN-family command from its cursor to cursor 0; an error or malformed reply ends it. */
    static Object scanAll(Command command, Conn conn) {
        int cursorAt = command.name().equals("SCAN") ? 1 : 2;
        List<String> args = new ArrayList<>(command.args());
        Set<Object> seen = new HashSet<>();
        for (int call = 1; call <= MAX_SCAN_CALLS; call++) {
            Object reply = conn.send(args);
            if (!(reply instanceof List<?> list && list.size() == 2 && list.get(0) instanceof String cursor
                    && list.get(1) instanceof List<?> elements
                    && (command.kind() == Kind.SCAN_SET || elements.size() % 2 == 0))) {
                return call == 1 || reply instanceof Broken ? reply
                        : new Broken("call " + call + " of the iteration answered " + render(reply));
            }
            seen.addAll(command.kind() == Kind.SCAN_SET ? elements : pairs(elements));
            if (cursor.equals("0")) {
                return new ScanResult(sorted(new ArrayList<>(seen)));
            }
            args.set(cursorAt, cursor);
        }
        return new Broken("no cursor 0 after " + MAX_SCAN_CALLS + " calls");
    }

    /** Like redis-cli: (nil), (integer) n, "bulk" with escapes, (error) message, [a, b]. */
    static String render(Object reply) {
        return switch (reply) {
            case null -> "(nil)";
            case Long n -> "(integer) " + n;
            case String s -> quote(s);
            case Err e -> "(error) " + (e.message().strip().equals(e.message()) && e.message().chars()
                    .allMatch(c -> c >= ' ' && c <= '~') ? e.message() : quote(e.message()));
            case Broken b -> "(connection broken: " + b.message() + ")";
            case ScanResult r -> "scan " + render(r.elements());
            case List<?> list -> {
                StringBuilder text = new StringBuilder("[");
                for (Object element : list) {
                    text.append(text.length() == 1 ? "" : ", ").append(render(element));
                }
                yield text.append(']').toString();
            }
            default -> reply.getClass().getSimpleName() + ":" + reply;
        };
    }

    private static String quote(String s) {
        StringBuilder text = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                text.append('\\').append(c);
            } else if (c < ' ' || c > '~') {
                text.append(String.format("\\x%02x", (int) c));
            } else {
                text.append(c);
            }
        }
        return text.append('"').toString();
    }

    // ---------------------------------------------------------------- connections and targets

    /** One Jedis connection sending raw commands; replies become Long, String, List, null, Err or Broken. */
    static final class Conn implements AutoCloseable {
        private final Jedis jedis;
        private String broken;

        Conn(int port) {
            this.jedis = new Jedis("127.0.0.1", port, CLIENT_TIMEOUT_MILLIS);
        }

        Object send(List<String> args) {
            if (broken != null) {
                return new Broken("earlier: " + broken);
            }
            byte[] name = args.getFirst().getBytes(UTF_8);
            byte[][] rest = new byte[args.size() - 1][];
            for (int i = 1; i < args.size(); i++) {
                rest[i - 1] = args.get(i).getBytes(UTF_8);
            }
            try {
                return normalise(jedis.sendCommand(() -> name, rest));
            } catch (JedisDataException e) {
                return new Err(e.getMessage());
            } catch (JedisException e) {
                broken = e.toString();
                return new Broken(broken);
            }
        }

        private static Object normalise(Object reply) {
            return switch (reply) {
                case null -> null;
                case byte[] bytes -> new String(bytes, ISO_8859_1);
                case Long n -> n;
                case JedisDataException e -> new Err(e.getMessage());
                case List<?> list -> {
                    List<Object> out = new ArrayList<>(list.size());
                    list.forEach(element -> out.add(normalise(element)));
                    yield out;
                }
                default -> reply; // not RESP2; never equal to anything Redis sends
            };
        }

        @Override
        public void close() {
            try {
                jedis.close();
            } catch (RuntimeException e) {
                // a broken connection may fail to close; nothing to do
            }
        }
    }

    /**
     * redis-vs-redis mode: a second redis-server, both connections to it. It keeps hashes, sets and sorted sets
     * in their large encodings from the first element (the reference keeps small ones as listpacks and intsets),
     * so the orders of HGETALL, SMEMBERS, SCAN... and OBJECT ENCODING really differ between the two: a harness
     * that compared them too strictly would fail in this mode.
     */
    private record SecondRedis(RedisServerProcess server) implements Target {
        static final String[] OTHER_ENCODINGS = {"--hash-max-listpack-entries", "0", "--set-max-intset-entries",
            "0", "--zset-max-listpack-entries", "0", "--list-max-listpack-size", "1"};

        @Override
        public String name() {
            return "redis2";
        }

        @Override
        public Route route(boolean viaFollower, int follower, int nodeB) {
            return new Route(server.port, server.port, "redis2 (port " + server.port + ")");
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    /** A 3-node Caucus cluster of real processes; A goes to a follower or the leader, B to any node. */
    private static final class CaucusTarget implements Target {
        private final ProcessCluster cluster;

        CaucusTarget(Path directory) throws Exception {
            cluster = new ProcessCluster(Files.createDirectories(directory.resolve("caucus")), 3, 4000,
                    "fsync: false\n");
            cluster.startAll();
            cluster.awaitLeader(cluster.ids());
        }

        @Override
        public String name() {
            return "caucus";
        }

        @Override
        public Route route(boolean viaFollower, int follower, int nodeB) {
            List<String> ids = cluster.ids();
            String leader = cluster.awaitLeader(ids);
            List<String> followers = ids.stream().filter(id -> !id.equals(leader)).toList();
            String a = viaFollower ? followers.get(follower % followers.size()) : leader;
            String b = ids.get(nodeB % ids.size());
            return new Route(port(a), port(b), String.format("%s (%s), B via %s (%s)", a, role(a, leader), b,
                    role(b, leader)));
        }

        private static String role(String id, String leader) {
            return id.equals(leader) ? "leader" : "follower";
        }

        private int port(String id) {
            return cluster.config.node(id).client().getPort();
        }

        @Override
        public void close() {
            cluster.close();
        }
    }

    private static long seedProperty() {
        String seed = System.getProperty("caucus.diff.seed", "").trim();
        return seed.isEmpty() ? ThreadLocalRandom.current().nextLong(1, 1_000_000_000L) : Long.parseLong(seed);
    }
}
