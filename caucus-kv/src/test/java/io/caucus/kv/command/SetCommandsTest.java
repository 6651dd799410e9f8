package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.HashValue;
import io.caucus.kv.state.Keyspace;
import io.caucus.kv.state.SetValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The set commands; every transcript was checked against redis-server 7.0 (see {@link ScriptedKeyspace}). */
class SetCommandsTest {

    private final ScriptedKeyspace db = new ScriptedKeyspace();

    private void addMembers(ScriptedKeyspace keyspace, String key, String prefix, int from, int to) {
        List<String> argv = new ArrayList<>(List.of("sadd", key));
        for (int i = from; i < to; i++) {
            argv.add(prefix + i);
        }
        keyspace.run(argv);
    }

    @Test
    void addingTestingAndRemovingMembers() {
        db.script("""
                sadd s a b c  =>  :3
                sadd s a d d  =>  :1
                sadd s a  =>  :0
                scard s  =>  :4
                scard nokey  =>  :0
                sismember s a  =>  :1
                sismember s z  =>  :0
                sismember nokey a  =>  :0
                smismember s a z b  =>  [:1, :0, :1]
                smismember nokey a b  =>  [:0, :0]
                srem s a z a  =>  :1
                srem nokey a  =>  :0
                scard s  =>  :3
                srem s b c d  =>  :3
                exists s  =>  :0
                smembers nokey  =>  []
                sadd one x  =>  :1
                smembers one  =>  [x]
                sadd s  =>  -ERR wrong number of arguments for 'sadd' command
                smismember s  =>  -ERR wrong number of arguments for 'smismember' command
                """);
    }

    @Test
    void everySetCommandRefusesAnotherType() {
        String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";
        db.script("""
                set str x  =>  +OK
                sadd s a  =>  :1
                sadd str a  =>  %1$s
                srem str a  =>  %1$s
                sismember str a  =>  %1$s
                smismember str a  =>  %1$s
                smembers str  =>  %1$s
                scard str  =>  %1$s
                spop str  =>  %1$s
                spop str 1  =>  %1$s
                srandmember str  =>  %1$s
                srandmember str 1  =>  %1$s
                smove str s a  =>  %1$s
                smove s str a  =>  %1$s
                sinter str  =>  %1$s
                sinter nokey str  =>  %1$s
                sinter s nokey str  =>  %1$s
                sunion str  =>  %1$s
                sunion nokey str  =>  %1$s
                sdiff str  =>  %1$s
                sdiff nokey str  =>  %1$s
                sdiff s str  =>  %1$s
                sintercard 1 str  =>  %1$s
                sintercard 2 nokey str  =>  %1$s
                sinterstore d str  =>  %1$s
                sinterstore d nokey str  =>  %1$s
                sunionstore d s str  =>  %1$s
                sdiffstore d nokey str  =>  %1$s
                sscan str 0  =>  %1$s
                get str  =>  x
                smembers s  =>  [a]
                exists d  =>  :0
                """.formatted(wrongType));
    }

    @Test
    void spopAndSrandmemberCheckingTheirArguments() {
        db.script("""
                sadd st a b c d e  =>  :5
                spop st -1  =>  -ERR value is out of range, must be positive
                spop st x  =>  -ERR value is out of range, must be positive
                spop st 1 2  =>  -ERR syntax error
                spop nokey  =>  (nil)
                spop nokey 3  =>  []
                spop nokey -1  =>  -ERR value is out of range, must be positive
                spop st 0  =>  []
                scard st  =>  :5
                srandmember st -9223372036854775808  =>  -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807
                srandmember st x  =>  -ERR value is not an integer or out of range
                srandmember st 1 2  =>  -ERR syntax error
                srandmember nokey  =>  (nil)
                srandmember nokey 3  =>  []
                srandmember nokey -3  =>  []
                srandmember st 0  =>  []
                set str x  =>  +OK
                srandmember str x  =>  -ERR value is not an integer or out of range
                spop str 1 2  =>  -ERR syntax error
                spop str -1  =>  -ERR value is out of range, must be positive
                sadd one x  =>  :1
                srandmember one  =>  x
                srandmember one 5  =>  [x]
                srandmember one -3  =>  [x, x, x]
                spop one 0  =>  []
                spop one  =>  x
                exists one  =>  :0
                sadd two x  =>  :1
                spop two 7  =>  [x]
                exists two  =>  :0
                """);
    }

    @Test
    void spopRemovesWhatItReturns() {
        addMembers(db, "s", "m", 0, 30);
        Set<String> left = new HashSet<>(db.elements("smembers", "s"));
        String one = db.show("spop", "s");
        assertThat(left.remove(one)).isTrue();
        for (String count : List.of("1", "4", "9")) { // few, then more than a third of what is left
            List<String> popped = db.elements("spop", "s", count);
            assertThat(popped).hasSize(Integer.parseInt(count)).doesNotHaveDuplicates();
            assertThat(left).containsAll(popped);
            popped.forEach(left::remove);
            assertThat(db.elements("smembers", "s")).containsExactlyInAnyOrderElementsOf(left);
        }
        List<String> rest = db.elements("smembers", "s");
        assertThat(db.elements("spop", "s", "15")).isEqualTo(rest); // everything, in content order
        assertThat(db.show("exists", "s")).isEqualTo(":0");
    }

    @Test
    void srandmemberDrawsMembersDistinctOrRepeated() {
        addMembers(db, "s", "m", 0, 20);
        List<String> members = db.elements("smembers", "s");
        assertThat(members).contains(db.show("srandmember", "s"));
        assertThat(db.elements("srandmember", "s", "20")).isEqualTo(members);
        assertThat(db.elements("srandmember", "s", "21")).isEqualTo(members);
        for (String count : List.of("1", "2", "6", "7", "13", "19")) {
            List<String> drawn = db.elements("srandmember", "s", count);
            assertThat(drawn).hasSize(Integer.parseInt(count)).doesNotHaveDuplicates();
            assertThat(members).containsAll(drawn);
        }
        List<String> repeated = db.elements("srandmember", "s", "-100");
        assertThat(repeated).hasSize(100);
        assertThat(members).containsAll(repeated);
        assertThat(new HashSet<>(repeated)).hasSizeGreaterThan(1);
        assertThat(db.show("srandmember", "s", Long.toString(-SetCommands.MAX_DRAWS - 1)))
                .isEqualTo("-ERR value is out of range");
        assertThat(db.elements("smembers", "s")).isEqualTo(members);
    }

    @Test
    void randomChoicesAreTheSameOnEveryReplica() {
        ScriptedKeyspace other = new ScriptedKeyspace();
        addMembers(other, "s", "x", 0, 1000); // a larger table that then shrinks
        List<String> remove = new ArrayList<>(List.of("srem", "s"));
        for (int i = 0; i < 1000; i++) {
            remove.add("x" + i);
        }
        other.run(remove);
        addMembers(db, "s", "m", 0, 60);
        List<String> reversed = new ArrayList<>(List.of("sadd", "s"));
        for (int i = 59; i >= 0; i--) {
            reversed.add("m" + i);
        }
        other.run(reversed);
        while (db.nextIndex() < other.nextIndex()) {
            db.run("ping");
        }
        for (String[] command : new String[][] {{"srandmember", "s"}, {"srandmember", "s", "5"},
                {"srandmember", "s", "40"}, {"srandmember", "s", "-10"}, {"spop", "s"}, {"spop", "s", "3"},
                {"spop", "s", "30"}, {"smembers", "s"}}) {
            assertThat(db.show(command)).as(String.join(" ", command)).isEqualTo(other.show(command));
        }
    }

    @Test
    void smoveMovesOneMember() {
        db.script("""
                set str x  =>  +OK
                sadd a 1 2  =>  :2
                smove nokey str 1  =>  :0
                smove a str 1  =>  -WRONGTYPE Operation against a key holding the wrong kind of value
                smove str a 1  =>  -WRONGTYPE Operation against a key holding the wrong kind of value
                smove a a 1  =>  :1
                smove a a 9  =>  :0
                smove a b 9  =>  :0
                exists b  =>  :0
                smove a b 1  =>  :1
                smembers b  =>  [1]
                sadd c 2  =>  :1
                smove a c 2  =>  :1
                exists a  =>  :0
                smembers c  =>  [2]
                sadd b 2  =>  :1
                smove b c 2  =>  :1
                smembers b  =>  [1]
                smembers c  =>  [2]
                """);
    }

    @Test
    void smoveMarksOnlyWhatChanged() {
        db.run("sadd", "a", "1", "2");
        db.run("sadd", "b", "2");
        long before = db.nextIndex() - 1;
        db.run("smove", "a", "a", "1");
        db.run("smove", "a", "b", "9");
        assertThat(db.entry("a").modifiedIndex()).isEqualTo(before - 1);
        assertThat(db.entry("b").modifiedIndex()).isEqualTo(before);
        long move = db.nextIndex();
        db.run("smove", "a", "b", "2"); // b already holds 2: only a changes
        assertThat(db.entry("a").modifiedIndex()).isEqualTo(move);
        assertThat(db.entry("b").modifiedIndex()).isEqualTo(before);
    }

    @Test
    void combiningSets() {
        db.script("""
                sadd a 1 2 3  =>  :3
                sadd b 2 3 y  =>  :3
                sadd c 3 z  =>  :2
                sinter a b c  =>  [3]
                sinter a b nokey  =>  []
                sinter nokey a  =>  []
                sdiff a b c  =>  [1]
                sdiff a a  =>  []
                sdiff nokey a  =>  []
                sunion nokey  =>  []
                sinter nokey  =>  []
                sinterstore d a b c  =>  :1
                smembers d  =>  [3]
                sinterstore d a nokey  =>  :0
                exists d  =>  :0
                set d x  =>  +OK
                pexpire d 100000  =>  :1
                sunionstore d c  =>  :2
                pttl d  =>  :-1
                type d  =>  +set
                sdiffstore d a a  =>  :0
                exists d  =>  :0
                sdiffstore d nokey  =>  :0
                sunionstore a a b  =>  :4
                sdiffstore a a b  =>  :1
                smembers a  =>  [1]
                sinterstore a  =>  -ERR wrong number of arguments for 'sinterstore' command
                """);
    }

    @Test
    void combinedRepliesComeInContentOrder() {
        db.run("sadd", "a", "1", "2", "3", "x", "w");
        db.run("sadd", "b", "2", "3", "y", "w");
        assertThat(db.elements("sinter", "a", "b")).containsExactlyInAnyOrder("2", "3", "w");
        assertThat(db.elements("sunion", "a", "b")).containsExactlyInAnyOrder("1", "2", "3", "x", "w", "y");
        assertThat(db.elements("sdiff", "a", "b")).containsExactlyInAnyOrder("1", "x");
        assertThat(db.elements("sdiff", "a", "nokey")).isEqualTo(db.elements("smembers", "a"));
        db.run("sunionstore", "u", "a", "b");
        assertThat(db.elements("sunion", "b", "a")).isEqualTo(db.elements("smembers", "u"));
        db.run("sinterstore", "i", "b", "a");
        assertThat(db.elements("sinter", "a", "b")).isEqualTo(db.elements("smembers", "i"));
    }

    @Test
    void storingMarksTheDestinationAndARefusalChangesNothing() {
        long start = db.nextIndex();
        db.script("""
                sadd a 1 2  =>  :2
                set str x  =>  +OK
                set d old  =>  +OK
                sinterstore d a str  =>  -WRONGTYPE Operation against a key holding the wrong kind of value
                get d  =>  old
                """);
        long before = start + 2;
        assertThat(db.entry("d").modifiedIndex()).isEqualTo(before);
        long store = db.nextIndex();
        db.run("sunionstore", "d", "a");
        assertThat(db.entry("d").modifiedIndex()).isEqualTo(store);
        assertThat(db.show("sinterstore", "d", "a", "nokey")).isEqualTo(":0");
        assertThat(db.keyspace.changedSince("d".getBytes(), store)).isTrue();
        assertThat(db.entry("d")).isNull();
    }

    @Test
    void sintercardCountsUpToItsLimit() {
        db.script("""
                sadd a 1 2 3  =>  :3
                sadd b 2 3 y  =>  :3
                sintercard 0 a  =>  -ERR numkeys should be greater than 0
                sintercard x a  =>  -ERR numkeys should be greater than 0
                sintercard -1 a  =>  -ERR numkeys should be greater than 0
                sintercard 3 a b  =>  -ERR Number of keys can't be greater than number of args
                sintercard 2 a b limit -1  =>  -ERR LIMIT can't be negative
                sintercard 2 a b limit x  =>  -ERR LIMIT can't be negative
                sintercard 2 a b limit  =>  -ERR syntax error
                sintercard 2 a b foo  =>  -ERR syntax error
                sintercard 2 a b  =>  :2
                sintercard 2 a b limit 1  =>  :1
                sintercard 2 a b LIMIT 0  =>  :2
                sintercard 2 a b limit 5  =>  :2
                sintercard 1 a limit 2 limit 3  =>  :3
                sintercard 2 a nokey  =>  :0
                sintercard 1 nokey  =>  :0
                sintercard 1  =>  -ERR wrong number of arguments for 'sintercard' command
                """);
    }

    @Test
    void changesMarkTheKeyAtTheirIndexAndNoOpsDoNot() {
        long created = db.nextIndex();
        db.run("sadd", "s", "a", "b", "c");
        db.run("sadd", "s", "a");
        db.run("srem", "s", "z");
        db.run("spop", "s", "0");
        db.run("spop", "s", "x");
        db.run("srandmember", "s", "-5");
        assertThat(db.entry("s").modifiedIndex()).isEqualTo(created);
        for (String[] change : new String[][] {{"sadd", "s", "d", "a"}, {"srem", "s", "d", "z"}, {"spop", "s"},
                {"spop", "s", "1"}}) {
            long index = db.nextIndex();
            db.run(change);
            assertThat(db.entry("s").modifiedIndex()).as(String.join(" ", change)).isEqualTo(index);
        }
    }

    @Test
    void writesDuringASnapshotLeaveTheFrozenValuesAlone() {
        db.run("sadd", "s", "a", "b", "c");
        db.run("sadd", "t", "c");
        db.run("hset", "h", "f", "1");
        Keyspace.Frozen frozen = db.keyspace.freeze();
        for (String[] write : new String[][] {{"sadd", "s", "d"}, {"srem", "s", "a"}, {"spop", "s"},
                {"smove", "s", "t", "b"}, {"sinterstore", "t", "t", "s"}, {"hset", "h", "g", "2"},
                {"hincrby", "h", "f", "1"}, {"hdel", "h", "g"}}) {
            db.run(write);
        }
        SetValue s = (SetValue) frozen.keys().get("s".getBytes(StandardCharsets.UTF_8));
        SetValue t = (SetValue) frozen.keys().get("t".getBytes(StandardCharsets.UTF_8));
        HashValue h = (HashValue) frozen.keys().get("h".getBytes(StandardCharsets.UTF_8));
        assertThat(s.sortedEntries()).extracting(e -> new String(e.key(), StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder("a", "b", "c");
        assertThat(t.size()).isEqualTo(1);
        assertThat(h.size()).isEqualTo(1);
        assertThat(h.get("f".getBytes(StandardCharsets.UTF_8))).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
        db.keyspace.thaw(frozen.freeze());
        assertThat(db.show("hget", "h", "f")).isEqualTo("2");
    }

    @Test
    void anExpiredSetIsGoneAndAnAddStartsAFreshOne() {
        db.run("sadd", "s", "a", "b");
        db.run("pexpire", "s", "100");
        db.advanceMillis(100);
        db.script("""
                scard s  =>  :0
                sismember s a  =>  :0
                spop s  =>  (nil)
                sadd s c  =>  :1
                smembers s  =>  [c]
                pttl s  =>  :-1
                """);
    }

    @Test
    void sscanCheckingItsArguments() {
        db.script("""
                sscan nokey x  =>  -ERR invalid cursor
                sscan nokey 0 count 0  =>  [0, []]
                sadd n 7  =>  :1
                sscan n 55  =>  [0, [7]]
                sscan n 0 count 0  =>  -ERR syntax error
                sscan n 0 type set  =>  -ERR syntax error
                sscan n 0 match  =>  -ERR syntax error
                sscan n 0 match 7  =>  [0, [7]]
                sscan n 0 match 8  =>  [0, []]
                """);
    }

    @Test
    void sscanAnswersAnIntsetWholeAndWalksAnythingElse() {
        addMembers(db, "ints", "", 0, 512);
        Reply.Array whole = (Reply.Array) db.run("sscan", "ints", "77", "count", "1");
        assertThat(ScriptedKeyspace.render(whole.elements().get(0))).isEqualTo("0");
        assertThat(((Reply.Array) whole.elements().get(1)).elements()).hasSize(512);

        addMembers(db, "strings", "m", 0, 300);
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        do {
            Reply.Array reply = (Reply.Array) db.run("sscan", "strings", cursor, "count", "7");
            cursor = ScriptedKeyspace.render(reply.elements().get(0));
            List<String> members = ((Reply.Array) reply.elements().get(1)).elements().stream()
                    .map(ScriptedKeyspace::render).toList();
            for (String member : members) {
                assertThat(seen.add(member)).as("returned once: %s", member).isTrue();
            }
            assertThat(cursor.equals("0") || members.size() >= 7).isTrue();
        } while (!cursor.equals("0"));
        assertThat(seen).hasSize(300);
        assertThat(db.show("sscan", "strings", "0", "match", "m42", "count", "1000")).isEqualTo("[0, [m42]]");
    }
}
