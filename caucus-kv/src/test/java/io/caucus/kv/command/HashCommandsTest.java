package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hash commands; every transcript was checked against redis-server 7.0 (see {@link ScriptedKeyspace}). */
class HashCommandsTest {

    private final ScriptedKeyspace db = new ScriptedKeyspace();

    @Test
    void settingGettingAndDeletingFields() {
        db.script("""
                hset h a 1 b 2  =>  :2
                hset h a 3 c 4  =>  :1
                hset h a 1 b  =>  -ERR wrong number of arguments for 'hset' command
                hset h a  =>  -ERR wrong number of arguments for 'hset' command
                HSet h a 1 b  =>  -ERR wrong number of arguments for 'hset' command
                hmset h a  =>  -ERR wrong number of arguments for 'hmset' command
                hmset h a 5 d 6 b  =>  -ERR wrong number of arguments for 'hmset' command
                hmset h a 5 d 6  =>  +OK
                hget h a  =>  5
                hget h zz  =>  (nil)
                hget nokey a  =>  (nil)
                hmget h a zz d  =>  [5, (nil), 6]
                hmget nokey a b  =>  [(nil), (nil)]
                hlen h  =>  :4
                hlen nokey  =>  :0
                hset h long hello  =>  :1
                hstrlen h long  =>  :5
                hstrlen h a  =>  :1
                hstrlen h zz  =>  :0
                hstrlen nokey a  =>  :0
                hexists h a  =>  :1
                hexists h zz  =>  :0
                hexists nokey a  =>  :0
                hsetnx h a x  =>  :0
                hget h a  =>  5
                hsetnx h e x  =>  :1
                hget h e  =>  x
                hsetnx new f v  =>  :1
                hgetall new  =>  [f, v]
                hkeys new  =>  [f]
                hvals new  =>  [v]
                hgetall nokey  =>  []
                hkeys nokey  =>  []
                hvals nokey  =>  []
                hdel h a zz b a  =>  :2
                hdel nokey a  =>  :0
                hlen h  =>  :4
                hdel h c d e long  =>  :4
                exists h  =>  :0
                hset h "" "with space"  =>  :1
                hget h ""  =>  with space
                hstrlen h ""  =>  :10
                """);
    }

    @Test
    void everyHashCommandRefusesAnotherType() {
        String wrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value";
        db.script("""
                set str x  =>  +OK
                hset str a 1  =>  %1$s
                hmset str a 1  =>  %1$s
                hsetnx str a 1  =>  %1$s
                hget str a  =>  %1$s
                hmget str a  =>  %1$s
                hdel str a  =>  %1$s
                hexists str a  =>  %1$s
                hlen str  =>  %1$s
                hstrlen str a  =>  %1$s
                hkeys str  =>  %1$s
                hvals str  =>  %1$s
                hgetall str  =>  %1$s
                hincrby str a 1  =>  %1$s
                hincrbyfloat str a 1  =>  %1$s
                hrandfield str  =>  %1$s
                hrandfield str 2 withvalues  =>  %1$s
                hscan str 0  =>  %1$s
                get str  =>  x
                """.formatted(wrongType));
    }

    @Test
    void hincrbyAddsToAnIntegerFieldAndRefusesOverflow() {
        db.script("""
                hincrby h n 5  =>  :5
                hincrby h n -7  =>  :-2
                hincrby h n x  =>  -ERR value is not an integer or out of range
                hincrby h n 1.5  =>  -ERR value is not an integer or out of range
                hincrby h n 9223372036854775808  =>  -ERR value is not an integer or out of range
                set str x  =>  +OK
                hincrby str a x  =>  -ERR value is not an integer or out of range
                hincrby str a 1  =>  -WRONGTYPE Operation against a key holding the wrong kind of value
                hset h s abc sp " 1"  =>  :2
                hincrby h s 1  =>  -ERR hash value is not an integer
                hincrby h sp 1  =>  -ERR hash value is not an integer
                hset h big 9223372036854775807  =>  :1
                hincrby h big 1  =>  -ERR increment or decrement would overflow
                hincrby h big -9223372036854775808  =>  :-1
                hset h neg -9223372036854775808  =>  :1
                hincrby h neg -1  =>  -ERR increment or decrement would overflow
                hincrby h neg 9223372036854775807  =>  :-1
                hincrby new f -9223372036854775808  =>  :-9223372036854775808
                hget new f  =>  -9223372036854775808
                hget h n  =>  -2
                """);
    }

    @Test
    void hincrbyfloatAddsInLongDoubleAndRefusesInfinity() {
        db.script("""
                hincrbyfloat h f 10.5  =>  10.5
                hincrbyfloat h f 0.1  =>  10.6
                hincrbyfloat h f -10.6  =>  0
                hset h i 3  =>  :1
                hincrbyfloat h i 1.5  =>  4.5
                hincrbyfloat h i inf  =>  -ERR value is NaN or Infinity
                hincrbyfloat h i -Infinity  =>  -ERR value is NaN or Infinity
                hincrbyfloat h i +INF  =>  -ERR value is NaN or Infinity
                hincrbyfloat h i nan  =>  -ERR value is not a valid float
                hincrbyfloat h i abc  =>  -ERR value is not a valid float
                hincrbyfloat h i " 2"  =>  -ERR value is not a valid float
                hset h s abc  =>  :1
                hincrbyfloat h s 1  =>  -ERR hash value is not a float
                hset h z nan  =>  :1
                hincrbyfloat h z 1  =>  -ERR hash value is not a float
                hset h inf inf minf -INFINITY  =>  :2
                hincrbyfloat h inf 1  =>  -ERR increment would produce NaN or Infinity
                hincrbyfloat h minf 1  =>  -ERR increment would produce NaN or Infinity
                hincrbyfloat nokey f inf  =>  -ERR value is NaN or Infinity
                exists nokey  =>  :0
                set str x  =>  +OK
                hincrbyfloat str a x  =>  -ERR value is not a valid float
                hincrbyfloat new f 2.5  =>  2.5
                hget h i  =>  4.5
                """);
    }

    @Test
    void changesMarkTheKeyAtTheirIndexAndNoOpsDoNot() {
        long created = db.nextIndex();
        db.run("hset", "h", "a", "1");
        assertThat(db.entry("h").modifiedIndex()).isEqualTo(created);

        long sameValue = db.nextIndex();
        db.run("hset", "h", "a", "1"); // Redis signals HSET as a change even when nothing differs
        assertThat(db.entry("h").modifiedIndex()).isEqualTo(sameValue);

        db.run("hsetnx", "h", "a", "2");
        db.run("hdel", "h", "zz");
        db.run("hincrby", "h", "a", "x");
        db.run("hset", "h", "s", "abc");
        long lastChange = db.nextIndex() - 1;
        db.run("hincrby", "h", "s", "1");
        db.run("hincrbyfloat", "h", "s", "1");
        db.run("hincrbyfloat", "h", "a", "inf");
        db.run("hget", "h", "a");
        db.run("hrandfield", "h", "-3", "withvalues");
        assertThat(db.entry("h").modifiedIndex()).isEqualTo(lastChange);

        for (String[] change : new String[][] {{"hsetnx", "h", "b", "2"}, {"hdel", "h", "b", "zz"},
                {"hincrby", "h", "a", "2"}, {"hincrbyfloat", "h", "a", "0.5"}, {"hmset", "h", "c", "3"}}) {
            long index = db.nextIndex();
            db.run(change);
            assertThat(db.entry("h").modifiedIndex()).as(String.join(" ", change)).isEqualTo(index);
        }
    }

    @Test
    void refusedCommandsCreateNothing() {
        db.script("""
                hset h a 1 b  =>  -ERR wrong number of arguments for 'hset' command
                hmset h a 1 b  =>  -ERR wrong number of arguments for 'hmset' command
                hincrby h a x  =>  -ERR value is not an integer or out of range
                hincrbyfloat h a x  =>  -ERR value is not a valid float
                hincrbyfloat h a inf  =>  -ERR value is NaN or Infinity
                hrandfield h x  =>  -ERR value is not an integer or out of range
                exists h  =>  :0
                """);
    }

    @Test
    void anExpiredHashIsGoneAndAFieldWriteStartsAFreshOne() {
        db.run("hset", "h", "a", "1", "b", "2");
        db.run("pexpire", "h", "100");
        db.advanceMillis(100);
        db.script("""
                hget h a  =>  (nil)
                hlen h  =>  :0
                hset h c 3  =>  :1
                hgetall h  =>  [c, 3]
                pttl h  =>  :-1
                """);
    }

    @Test
    void wholeHashRepliesComeInContentOrder() {
        db.run("hset", "h", "b", "2", "a", "1", "c", "3", "d", "4");
        List<String> all = db.elements("hgetall", "h");
        List<String> fields = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 2) {
            fields.add(all.get(i));
            values.add(all.get(i + 1));
            assertThat(all.get(i + 1)).isEqualTo(db.show("hget", "h", all.get(i)));
        }
        assertThat(fields).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(db.elements("hkeys", "h")).isEqualTo(fields);
        assertThat(db.elements("hvals", "h")).isEqualTo(values);

        ScriptedKeyspace other = new ScriptedKeyspace(); // another history, same content
        other.run("hset", "h", "d", "4", "c", "3", "x", "0");
        other.run("hset", "h", "a", "1", "b", "2");
        other.run("hdel", "h", "x");
        assertThat(other.elements("hgetall", "h")).isEqualTo(all);
    }

    @Test
    void hrandfieldCheckingItsArguments() {
        db.script("""
                hset h a 1 b 2 c 3  =>  :3
                hrandfield h -9223372036854775808  =>  -ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807
                hrandfield h x  =>  -ERR value is not an integer or out of range
                hrandfield h 1 withvalue  =>  -ERR syntax error
                hrandfield h 1 withvalues x  =>  -ERR syntax error
                hrandfield h -4611686018427387904 withvalues  =>  -ERR value is out of range
                hrandfield h 4611686018427387904 withvalues  =>  -ERR value is out of range
                hrandfield h x withvalues  =>  -ERR value is not an integer or out of range
                hrandfield nokey  =>  (nil)
                hrandfield nokey 2  =>  []
                hrandfield nokey 2 withvalues  =>  []
                hrandfield h 0  =>  []
                hrandfield h 0 withvalues  =>  []
                set str x  =>  +OK
                hrandfield str x  =>  -ERR value is not an integer or out of range
                hrandfield str 1 foo  =>  -ERR syntax error
                """);
    }

    @Test
    void hrandfieldDrawsFieldsDistinctOrRepeated() {
        List<String> fields = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fields.add("f" + i);
            db.run("hset", "h", "f" + i, "v" + i);
        }
        assertThat(fields).contains(db.show("hrandfield", "h"));

        List<String> all = db.elements("hgetall", "h");
        assertThat(db.elements("hrandfield", "h", "20", "withvalues")).isEqualTo(all);
        assertThat(db.elements("hrandfield", "h", "1000", "WITHVALUES")).isEqualTo(all);
        assertThat(db.elements("hrandfield", "h", "1000")).isEqualTo(db.elements("hkeys", "h"));

        for (String count : List.of("1", "3", "6", "7", "15", "19")) {
            List<String> drawn = db.elements("hrandfield", "h", count);
            assertThat(drawn).hasSize(Integer.parseInt(count)).doesNotHaveDuplicates();
            assertThat(fields).containsAll(drawn);
        }
        List<String> pairs = db.elements("hrandfield", "h", "5", "withvalues");
        assertThat(pairs).hasSize(10);
        for (int i = 0; i < pairs.size(); i += 2) {
            assertThat(pairs.get(i + 1)).isEqualTo("v" + pairs.get(i).substring(1));
        }

        List<String> repeated = db.elements("hrandfield", "h", "-100");
        assertThat(repeated).hasSize(100);
        assertThat(fields).containsAll(repeated);
        assertThat(new HashSet<>(repeated)).hasSizeGreaterThan(1);
        assertThat(db.elements("hrandfield", "h", "-3", "withvalues")).hasSize(6);
    }

    @Test
    void hrandfieldRefusesACountTooLargeToAnswer() {
        db.run("hset", "h", "a", "1");
        Reply most = db.run("hrandfield", "h", Long.toString(-SetCommands.MAX_DRAWS));
        assertThat(((Reply.Array) most).elements().size()).isEqualTo(SetCommands.MAX_DRAWS);
        assertThat(db.show("hrandfield", "h", Long.toString(-SetCommands.MAX_DRAWS - 1)))
                .isEqualTo("-ERR value is out of range");
    }

    @Test
    void hrandfieldIsTheSameOnEveryReplica() {
        ScriptedKeyspace other = new ScriptedKeyspace();
        for (int i = 0; i < 300; i++) {
            other.run("hset", "h", "x" + i, "0"); // a larger table that then shrinks
        }
        for (int i = 0; i < 300; i++) {
            other.run("hdel", "h", "x" + i);
        }
        for (int i = 0; i < 40; i++) {
            db.run("hset", "h", "f" + i, "v");
            other.run("hset", "h", "f" + (39 - i), "v");
        }
        while (db.nextIndex() < other.nextIndex()) {
            db.run("ping");
        }
        for (String[] read : new String[][] {{"hrandfield", "h"}, {"hrandfield", "h", "5"},
                {"hrandfield", "h", "30", "withvalues"}, {"hrandfield", "h", "-10"}}) {
            assertThat(db.show(read)).isEqualTo(other.show(read));
        }
    }

    @Test
    void hscanCheckingItsArguments() {
        db.script("""
                hscan nokey x  =>  -ERR invalid cursor
                hscan nokey 0 count 0  =>  [0, []]
                set str x  =>  +OK
                hscan str 0 count 0  =>  -WRONGTYPE Operation against a key holding the wrong kind of value
                hscan str x  =>  -ERR invalid cursor
                hset h f v  =>  :1
                hscan h 0 count 0  =>  -ERR syntax error
                hscan h 0 count -1  =>  -ERR syntax error
                hscan h 0 count x  =>  -ERR value is not an integer or out of range
                hscan h 0 match  =>  -ERR syntax error
                hscan h 0 foo bar  =>  -ERR syntax error
                hscan h 0 type string  =>  -ERR syntax error
                hscan h 0 novalues  =>  -ERR syntax error
                hscan h 123  =>  [0, [f, v]]
                hscan h 0 match f count 1  =>  [0, [f, v]]
                hscan h 0 match g  =>  [0, []]
                hscan h 18446744073709551615  =>  [0, [f, v]]
                hscan h 18446744073709551616  =>  -ERR invalid cursor
                """);
    }

    @Test
    void hscanAnswersACompactHashWholeInContentOrder() {
        db.run("hset", "h", "b", "2", "a", "1", "c", "3");
        List<String> all = db.elements("hgetall", "h");
        assertThat(db.show("hscan", "h", "0", "count", "1")).isEqualTo("[0, " + all + "]");
    }

    @Test
    void hscanWalksALargeHashStepByStep() {
        for (int i = 0; i < 600; i++) { // past the listpack limits of both Encodings and redis-server 7.0 (512)
            db.run("hset", "h", "f" + i, "v" + i);
        }
        Set<String> seen = new HashSet<>();
        String cursor = "0";
        int steps = 0;
        do {
            Reply.Array reply = (Reply.Array) db.run("hscan", "h", cursor, "count", "5");
            cursor = ScriptedKeyspace.render(reply.elements().get(0));
            List<String> pairs = ((Reply.Array) reply.elements().get(1)).elements().stream()
                    .map(ScriptedKeyspace::render).toList();
            for (int i = 0; i < pairs.size(); i += 2) {
                assertThat(seen.add(pairs.get(i))).as("returned once: %s", pairs.get(i)).isTrue();
                assertThat(pairs.get(i + 1)).isEqualTo("v" + pairs.get(i).substring(1));
            }
            if (!cursor.equals("0")) {
                assertThat(pairs.size() / 2).isGreaterThanOrEqualTo(5);
            }
            steps++;
        } while (!cursor.equals("0"));
        assertThat(seen).hasSize(600);
        assertThat(steps).isBetween(2, 600 / 5 + 1);
        assertThat(db.show("hscan", "h", "0", "match", "f7", "count", "1000")).isEqualTo("[0, [f7, v7]]");
    }

    @Test
    void aLongValueMakesEvenASmallHashAScannedOne() {
        String longValue = "x".repeat(65);
        db.run("hset", "h", "a", longValue, "b", "1");
        Reply.Array reply = (Reply.Array) db.run("hscan", "h", "0", "count", "1");
        List<String> pairs = ((Reply.Array) reply.elements().get(1)).elements().stream()
                .map(ScriptedKeyspace::render).toList();
        assertThat(pairs).isNotEmpty().hasSizeLessThan(4); // one step: not necessarily the whole hash
        assertThat(db.show("object", "encoding", "h")).isEqualTo("hashtable");
    }
}
