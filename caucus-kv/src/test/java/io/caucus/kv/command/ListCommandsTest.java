package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandSpec.Kind;
import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.Keyspace;
import io.caucus.kv.state.ListValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The list commands against a keyspace. The transcripts are redis-server 7.0.15's own answers, recorded by
 * sending each line to it (after FLUSHALL) and printing its reply in the notation of {@link #render}.
 */
class ListCommandsTest {

    private static final long NOW = 1_700_000_000_000L;

    private final Keyspace keyspace = new Keyspace();
    private long index = 1;
    private long now = NOW;

    // ------------------------------------------------------------------ helpers

    private Reply run(String... argv) {
        return run(true, argv);
    }

    private Reply run(boolean writable, String... argv) {
        List<byte[]> args = Arrays.stream(argv).map(Arguments::bytes).toList();
        return CommandTable.execute(new CommandContext(keyspace, now, index++, writable), args);
    }

    private String rendered(String... argv) {
        return render(run(argv));
    }

    /**
     * A reply as the transcripts write it: {@code +OK}, {@code :3}, {@code -ERR ...}, {@code 'bulk'},
     * {@code $nil}, {@code *nil}, {@code [a, b]}.
     */
    static String render(Reply reply) {
        return switch (reply) {
            case Reply.Status status -> "+" + status.text();
            case Reply.Error error -> "-" + error.line();
            case Reply.Int integer -> ":" + integer.value();
            case Reply.Bulk bulk -> "'" + new String(bulk.value(), StandardCharsets.UTF_8) + "'";
            case Reply.Nil ignored -> "$nil";
            case Reply.NullArray ignored -> "*nil";
            case Reply.Array array -> array.elements().stream().map(ListCommandsTest::render)
                    .collect(Collectors.joining(", ", "[", "]"));
        };
    }

    /** Runs each {@code command -> reply} line, in order, and checks each reply. */
    private void transcript(String lines) {
        for (String line : lines.strip().split("\n")) {
            int arrow = line.indexOf(" -> ");
            String command = line.substring(0, arrow).strip();
            assertThat(render(run(words(command)))).as(command).isEqualTo(line.substring(arrow + 4));
        }
    }

    /** Words split at spaces; {@code ""} is the empty string. */
    private static String[] words(String command) {
        return Arrays.stream(command.split(" +")).map(w -> w.equals("\"\"") ? "" : w).toArray(String[]::new);
    }

    private KeyEntry entry(String key) {
        return keyspace.lookup(Arguments.bytes(key), now);
    }

    private long modifiedIndex(String key) {
        return entry(key).modifiedIndex();
    }

    /** Every key with its type, contents and last change, to compare the keyspace before and after. */
    private Map<String, String> dump() {
        Map<String, String> dump = new TreeMap<>();
        keyspace.forEachLive(now, e -> {
            String contents = e.value() instanceof ListValue list ? contents(list).toString()
                    : e.value() instanceof byte[] string ? new String(string, StandardCharsets.UTF_8) : "?";
            dump.put(new String(e.key(), StandardCharsets.UTF_8), contents + " @" + e.modifiedIndex());
        });
        return dump;
    }

    private static List<String> contents(ListValue list) {
        List<String> contents = new ArrayList<>();
        list.forEach(element -> contents.add(new String(element, StandardCharsets.UTF_8)));
        return contents;
    }

    // ------------------------------------------------------------------ transcripts from redis-server

    /** LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP and RPOP, with and without a count. */
    @Test
    void pushAndPop() {
        transcript("""
                set s v -> +OK
                lpush l a b c -> :3
                rpush l d e -> :5
                lrange l 0 -1 -> ['c', 'b', 'a', 'd', 'e']
                lpushx nokey a -> :0
                rpushx nokey a b -> :0
                exists nokey -> :0
                lpushx s a -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpushx s a -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lpushx l z y -> :7
                rpushx l f -> :8
                lrange l 0 -1 -> ['y', 'z', 'c', 'b', 'a', 'd', 'e', 'f']
                lpush s a -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpush s a -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lpush l -> -ERR wrong number of arguments for 'lpush' command
                rpushx l -> -ERR wrong number of arguments for 'rpushx' command
                lpop nokey -> $nil
                rpop nokey -> $nil
                lpop nokey 2 -> *nil
                rpop nokey 0 -> *nil
                lpop nokey -1 -> -ERR value is out of range, must be positive
                rpop nokey abc -> -ERR value is out of range, must be positive
                lpop l -1 -> -ERR value is out of range, must be positive
                lpop l abc -> -ERR value is out of range, must be positive
                lpop l 1.5 -> -ERR value is out of range, must be positive
                lpop l 0 -> []
                rpop l 0 -> []
                lpop s -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpop s 0 -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lpop s -1 -> -ERR value is out of range, must be positive
                lpop l 1 2 -> -ERR wrong number of arguments for 'lpop' command
                rpop l 1 2 -> -ERR wrong number of arguments for 'rpop' command
                lpop -> -ERR wrong number of arguments for 'lpop' command
                lpop l -> 'y'
                lpop l 2 -> ['z', 'c']
                rpop l -> 'f'
                rpop l 2 -> ['e', 'd']
                lrange l 0 -1 -> ['b', 'a']
                lpop l 1 -> ['b']
                rpop l 100 -> ['a']
                exists l -> :0
                rpush q x -> :1
                rpop q -> 'x'
                exists q -> :0
                lpush q x -> :1
                lpop q 9223372036854775807 -> ['x']
                exists q -> :0
                lpop q 9223372036854775808 -> -ERR value is out of range, must be positive
                LpUsH q A -> :1
                RPOP q -> 'A'
                """);
    }

    /** LLEN, LINDEX and LSET; LINDEX and LSET look the key up before reading the index. */
    @Test
    void lengthIndexAndSet() {
        transcript("""
                set s v -> +OK
                rpush l a b c -> :3
                llen l -> :3
                llen nokey -> :0
                llen s -> -WRONGTYPE Operation against a key holding the wrong kind of value
                llen -> -ERR wrong number of arguments for 'llen' command
                lindex l 0 -> 'a'
                lindex l 2 -> 'c'
                lindex l -1 -> 'c'
                lindex l -3 -> 'a'
                lindex l 3 -> $nil
                lindex l -4 -> $nil
                lindex l 9223372036854775807 -> $nil
                lindex l -9223372036854775808 -> $nil
                lindex l abc -> -ERR value is not an integer or out of range
                lindex l 1.0 -> -ERR value is not an integer or out of range
                lindex nokey abc -> $nil
                lindex nokey 0 -> $nil
                lindex s 0 -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lindex s abc -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lset nokey abc x -> -ERR no such key
                lset nokey 0 x -> -ERR no such key
                lset s abc x -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lset s 0 x -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lset l abc x -> -ERR value is not an integer or out of range
                lset l 3 x -> -ERR index out of range
                lset l -4 x -> -ERR index out of range
                lset l 9223372036854775807 x -> -ERR index out of range
                lset l 0 A -> +OK
                lset l -1 C -> +OK
                lset l 1 "" -> +OK
                lrange l 0 -1 -> ['A', '', 'C']
                lindex l 1 -> ''
                """);
    }

    /** LRANGE and LTRIM: Redis's clamping of inclusive ranges, and an emptied list deleted. */
    @Test
    void rangeAndTrim() {
        transcript("""
                set s v -> +OK
                rpush l a b c d e -> :5
                lrange l 0 -1 -> ['a', 'b', 'c', 'd', 'e']
                lrange l 0 0 -> ['a']
                lrange l 1 3 -> ['b', 'c', 'd']
                lrange l -2 -1 -> ['d', 'e']
                lrange l -100 100 -> ['a', 'b', 'c', 'd', 'e']
                lrange l -100 -100 -> []
                lrange l 100 200 -> []
                lrange l 3 1 -> []
                lrange l -1 -2 -> []
                lrange l 4 100 -> ['e']
                lrange l -9223372036854775808 9223372036854775807 -> ['a', 'b', 'c', 'd', 'e']
                lrange l 0 9223372036854775808 -> -ERR value is not an integer or out of range
                lrange l abc 1 -> -ERR value is not an integer or out of range
                lrange l 1 abc -> -ERR value is not an integer or out of range
                lrange nokey abc 1 -> -ERR value is not an integer or out of range
                lrange nokey 0 -1 -> []
                lrange s abc 1 -> -ERR value is not an integer or out of range
                lrange s 0 1 -> -WRONGTYPE Operation against a key holding the wrong kind of value
                ltrim l abc 1 -> -ERR value is not an integer or out of range
                ltrim l 0 abc -> -ERR value is not an integer or out of range
                ltrim nokey abc 1 -> -ERR value is not an integer or out of range
                ltrim nokey 0 1 -> +OK
                exists nokey -> :0
                ltrim s 0 1 -> -WRONGTYPE Operation against a key holding the wrong kind of value
                ltrim s abc 1 -> -ERR value is not an integer or out of range
                ltrim l 1 -2 -> +OK
                lrange l 0 -1 -> ['b', 'c', 'd']
                ltrim l -100 100 -> +OK
                lrange l 0 -1 -> ['b', 'c', 'd']
                ltrim l -1 -1 -> +OK
                lrange l 0 -1 -> ['d']
                ltrim l 1 0 -> +OK
                exists l -> :0
                rpush t a b c -> :3
                ltrim t 3 10 -> +OK
                exists t -> :0
                rpush t a b c -> :3
                ltrim t -1 -2 -> +OK
                exists t -> :0
                rpush t a b c -> :3
                ltrim t 0 -4 -> +OK
                exists t -> :0
                """);
    }

    /** LREM from either end and LINSERT BEFORE|AFTER, the first pivot met from the head. */
    @Test
    void removeAndInsert() {
        transcript("""
                set s v -> +OK
                rpush l a b a c a d a -> :7
                lrem l 2 a -> :2
                lrange l 0 -1 -> ['b', 'c', 'a', 'd', 'a']
                lrem l -1 a -> :1
                lrange l 0 -1 -> ['b', 'c', 'a', 'd']
                lrem l 0 a -> :1
                lrange l 0 -1 -> ['b', 'c', 'd']
                lrem l 0 zz -> :0
                lrem l 5 zz -> :0
                lrem l abc a -> -ERR value is not an integer or out of range
                lrem l 1.5 a -> -ERR value is not an integer or out of range
                lrem nokey abc a -> -ERR value is not an integer or out of range
                lrem nokey 1 a -> :0
                lrem s 1 a -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lrem s abc a -> -ERR value is not an integer or out of range
                rpush m x x -> :2
                lrem m 0 x -> :2
                exists m -> :0
                rpush m a a a b a -> :5
                lrem m -9223372036854775808 a -> :4
                lrange m 0 -1 -> ['b']
                rpush n a a a b a -> :5
                lrem n 9223372036854775807 a -> :4
                lrange n 0 -1 -> ['b']
                rpush o a b a b a -> :5
                lrem o -2 a -> :2
                lrange o 0 -1 -> ['a', 'b', 'b']
                rpush t c -> :1
                linsert t BEFORE c b -> :2
                linsert t after c d -> :3
                lrange t 0 -1 -> ['b', 'c', 'd']
                linsert t before zz x -> :-1
                linsert t after zz x -> :-1
                linsert t middle c x -> -ERR syntax error
                linsert nokey middle c x -> -ERR syntax error
                linsert nokey before c x -> :0
                exists nokey -> :0
                linsert s before c x -> -WRONGTYPE Operation against a key holding the wrong kind of value
                linsert s middle c x -> -ERR syntax error
                linsert t AfTeR d e -> :4
                linsert t bEfOrE b a -> :5
                lrange t 0 -1 -> ['a', 'b', 'c', 'd', 'e']
                rpush dup a b a -> :3
                linsert dup after a X -> :4
                linsert dup before a Y -> :5
                lrange dup 0 -1 -> ['Y', 'a', 'X', 'b', 'a']
                """);
    }

    /** LPOS with RANK, COUNT and MAXLEN, Redis's errors, and its arithmetic at Long.MIN_VALUE. */
    @Test
    void position() {
        transcript("""
                set s v -> +OK
                rpush l a b c 1 2 3 c c -> :8
                lpos l c -> :2
                lpos l a -> :0
                lpos l c rank 1 -> :2
                lpos l c rank 2 -> :6
                lpos l c rank 3 -> :7
                lpos l c rank 4 -> $nil
                lpos l c rank -1 -> :7
                lpos l c rank -2 -> :6
                lpos l c rank -3 -> :2
                lpos l c rank -4 -> $nil
                lpos l c count 0 -> [:2, :6, :7]
                lpos l c count 1 -> [:2]
                lpos l c count 2 -> [:2, :6]
                lpos l c count 9223372036854775807 -> [:2, :6, :7]
                lpos l c rank 2 count 0 -> [:6, :7]
                lpos l c rank 2 count 1 -> [:6]
                lpos l c rank -1 count 0 -> [:7, :6, :2]
                lpos l c rank -1 count 2 -> [:7, :6]
                lpos l c rank -2 count 0 -> [:6, :2]
                lpos l c rank 5 count 0 -> []
                lpos l c count 0 maxlen 3 -> [:2]
                lpos l c count 0 maxlen 7 -> [:2, :6]
                lpos l c maxlen 2 -> $nil
                lpos l c maxlen 3 -> :2
                lpos l c maxlen 0 -> :2
                lpos l c rank -1 maxlen 1 -> :7
                lpos l c rank -3 maxlen 5 -> $nil
                lpos l c rank -1 maxlen 2 count 0 -> [:7, :6]
                lpos l zz -> $nil
                lpos l zz count 1 -> []
                lpos l zz count 0 -> []
                lpos nokey c -> $nil
                lpos nokey c count 1 -> []
                lpos nokey c rank -1 maxlen 3 -> $nil
                lpos nokey c rank 0 -> -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
                lpos nokey c foo -> -ERR syntax error
                lpos s c -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lpos s c count 1 -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lpos s c foo -> -ERR syntax error
                lpos s c rank 0 -> -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
                lpos l c rank 0 -> -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
                lpos l c rank abc -> -ERR value is not an integer or out of range
                lpos l c count -1 -> -ERR COUNT can't be negative
                lpos l c count abc -> -ERR COUNT can't be negative
                lpos l c maxlen -1 -> -ERR MAXLEN can't be negative
                lpos l c maxlen abc -> -ERR MAXLEN can't be negative
                lpos l c rank -> -ERR syntax error
                lpos l c count -> -ERR syntax error
                lpos l c maxlen -> -ERR syntax error
                lpos l c foo -> -ERR syntax error
                lpos l c RANK 1 COUNT -> -ERR syntax error
                lpos l c rank 1 rank 2 -> :6
                lpos l c count 1 count 0 -> [:2, :6, :7]
                lpos l c Rank 2 Count 1 MaxLen 8 -> [:6]
                lpos l c rank -9223372036854775808 -> :7
                lpos l c rank -9223372036854775808 count 1 -> [:7, :6, :2]
                lpos l c rank -9223372036854775807 count 1 -> []
                lpos l c rank 9223372036854775807 -> $nil
                lpos l c rank 9223372036854775807 count 1 -> []
                lpos l c count 0 rank 0 -> -ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list
                lpos l c count -1 rank 0 -> -ERR COUNT can't be negative
                lpos l c maxlen 9223372036854775807 -> :2
                lpos l -> -ERR wrong number of arguments for 'lpos' command
                """);
    }

    /** LMOVE and RPOPLPUSH: the destination's type checked before the pop, rotations. */
    @Test
    void moveBetweenLists() {
        transcript("""
                set s v -> +OK
                rpush a 1 2 3 -> :3
                lmove a b left right -> '1'
                lmove a b right left -> '3'
                lrange a 0 -1 -> ['2']
                lrange b 0 -1 -> ['3', '1']
                lmove a b up left -> -ERR syntax error
                lmove a b left up -> -ERR syntax error
                lmove nokey b up left -> -ERR syntax error
                lmove s b up left -> -ERR syntax error
                lmove nokey s left left -> $nil
                lmove a s left left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lrange a 0 -1 -> ['2']
                lmove s a left left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lmove s nokey left left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lmove a a left right -> '2'
                lrange a 0 -1 -> ['2']
                rpush r 1 2 3 -> :3
                lmove r r right left -> '3'
                lrange r 0 -1 -> ['3', '1', '2']
                lmove r r left right -> '3'
                lrange r 0 -1 -> ['1', '2', '3']
                lmove r r left left -> '1'
                lmove r r right right -> '3'
                lrange r 0 -1 -> ['1', '2', '3']
                lmove a b Left Right -> '2'
                exists a -> :0
                lrange b 0 -1 -> ['3', '1', '2']
                rpoplpush b c -> '2'
                lrange b 0 -1 -> ['3', '1']
                lrange c 0 -1 -> ['2']
                rpoplpush nokey c -> $nil
                rpoplpush nokey s -> $nil
                rpoplpush b s -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpoplpush s b -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpoplpush c c -> '2'
                lrange c 0 -1 -> ['2']
                rpoplpush c d -> '2'
                exists c -> :0
                lrange d 0 -1 -> ['2']
                lmove a b left -> -ERR wrong number of arguments for 'lmove' command
                rpoplpush a -> -ERR wrong number of arguments for 'rpoplpush' command
                """);
    }

    /** LMPOP: the first key holding a list, numkeys and COUNT checked first. */
    @Test
    void popFromSeveralKeys() {
        transcript("""
                set s v -> +OK
                rpush a 1 2 3 -> :3
                rpush b 4 5 -> :2
                lmpop 2 nokey a left -> ['a', ['1']]
                lmpop 2 nokey a right count 5 -> ['a', ['3', '2']]
                exists a -> :0
                lmpop 2 a b right count 1 -> ['b', ['5']]
                lmpop 2 a b LEFT COUNT 1 -> ['b', ['4']]
                lmpop 1 nokey left -> *nil
                lmpop 1 nokey left count 3 -> *nil
                lmpop 2 nokey s left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lmpop 2 s b left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                lmpop 2 s nokey left -> -WRONGTYPE Operation against a key holding the wrong kind of value
                rpush b 6 7 -> :2
                lmpop 2 b s left -> ['b', ['6']]
                lmpop 0 a left -> -ERR numkeys should be greater than 0
                lmpop -1 a left -> -ERR numkeys should be greater than 0
                lmpop abc a left -> -ERR numkeys should be greater than 0
                lmpop 1.0 a left -> -ERR numkeys should be greater than 0
                lmpop 3 a b left -> -ERR syntax error
                lmpop 2 a b -> -ERR syntax error
                lmpop 1 a b -> -ERR syntax error
                lmpop 1 a up -> -ERR syntax error
                lmpop 1 b left count 0 -> -ERR count should be greater than 0
                lmpop 1 b left count -1 -> -ERR count should be greater than 0
                lmpop 1 b left count abc -> -ERR count should be greater than 0
                lmpop 1 b left count -> -ERR syntax error
                lmpop 1 b left count 1 count 1 -> -ERR syntax error
                lmpop 1 b left foo -> -ERR syntax error
                lmpop 1 nokey left count 0 -> -ERR count should be greater than 0
                lmpop 1 nokey left foo -> -ERR syntax error
                lmpop 9223372036854775807 a left -> -ERR syntax error
                lmpop 9223372036854775806 a left -> -ERR syntax error
                lmpop 1 b LEFT COUNT 9223372036854775807 -> ['b', ['7']]
                exists b -> :0
                lmpop 1 a -> -ERR wrong number of arguments for 'lmpop' command
                lmpop 1 -> -ERR wrong number of arguments for 'lmpop' command
                rpush x a b -> :2
                lmpop 2 x x right count 10 -> ['x', ['b', 'a']]
                """);
    }

    // ------------------------------------------------------------------ the rules of the keyspace

    @Test
    void theTableDescribesEachCommandAsRedisDoes() {
        // name, arity, kind, first key, last key, step: as redis-server 7.0's COMMAND INFO reports them.
        Object[][] expected = {
            {"LPUSH", -3, Kind.WRITE, 1, 1, 1}, {"RPUSH", -3, Kind.WRITE, 1, 1, 1},
            {"LPUSHX", -3, Kind.WRITE, 1, 1, 1}, {"RPUSHX", -3, Kind.WRITE, 1, 1, 1},
            {"LPOP", -2, Kind.WRITE, 1, 1, 1}, {"RPOP", -2, Kind.WRITE, 1, 1, 1},
            {"LLEN", 2, Kind.READ, 1, 1, 1}, {"LRANGE", 4, Kind.READ, 1, 1, 1},
            {"LINDEX", 3, Kind.READ, 1, 1, 1}, {"LSET", 4, Kind.WRITE, 1, 1, 1},
            {"LREM", 4, Kind.WRITE, 1, 1, 1}, {"LTRIM", 4, Kind.WRITE, 1, 1, 1},
            {"LINSERT", 5, Kind.WRITE, 1, 1, 1}, {"LPOS", -3, Kind.READ, 1, 1, 1},
            {"LMOVE", 5, Kind.WRITE, 1, 2, 1}, {"RPOPLPUSH", 3, Kind.WRITE, 1, 2, 1},
            {"LMPOP", -4, Kind.WRITE, 0, 0, 0},
        };
        assertThat(ListCommands.commands()).hasSize(expected.length);
        for (Object[] row : expected) {
            CommandSpec spec = CommandTable.lookup(Arguments.bytes((String) row[0]));
            assertThat(List.<Object>of(spec.arity(), spec.kind(), spec.firstKey(), spec.lastKey(), spec.keyStep()))
                    .as((String) row[0]).containsExactly(Arrays.copyOfRange(row, 1, 6));
        }
    }

    @Test
    void aChangeStampsTheKeyWithTheCommandsIndex() {
        index = 10;
        run("RPUSH", "l", "a", "b", "c");
        assertThat(modifiedIndex("l")).isEqualTo(10);
        index = 20;
        run("LPUSHX", "l", "z");
        assertThat(modifiedIndex("l")).isEqualTo(20);
        index = 30;
        run("LSET", "l", "0", "y");
        assertThat(modifiedIndex("l")).isEqualTo(30);
        index = 40;
        run("LINSERT", "l", "AFTER", "a", "x");
        assertThat(modifiedIndex("l")).isEqualTo(40);
        index = 50;
        run("LREM", "l", "1", "x");
        assertThat(modifiedIndex("l")).isEqualTo(50);
        index = 60;
        run("LPOP", "l");
        assertThat(modifiedIndex("l")).isEqualTo(60);
        index = 70;
        run("RPOP", "l", "1");
        assertThat(modifiedIndex("l")).isEqualTo(70);
        index = 80;
        run("LTRIM", "l", "0", "-1"); // removes nothing, yet Redis signals the key as modified (WATCH fails)
        assertThat(modifiedIndex("l")).isEqualTo(80);
        index = 90;
        run("LMOVE", "l", "m", "LEFT", "RIGHT");
        assertThat(modifiedIndex("l")).isEqualTo(90);
        assertThat(modifiedIndex("m")).isEqualTo(90);
        run("RPUSH", "m", "n");
        index = 100;
        run("RPOPLPUSH", "m", "l");
        assertThat(modifiedIndex("l")).isEqualTo(100);
        assertThat(modifiedIndex("m")).isEqualTo(100);
        long mChanged = modifiedIndex("m");
        index = 110;
        run("LMPOP", "3", "nokey", "l", "m", "LEFT");
        assertThat(modifiedIndex("l")).isEqualTo(110);
        assertThat(modifiedIndex("m")).isEqualTo(mChanged);
    }

    /** What Redis does not count as a change (a WATCH survives it) leaves the key's index alone. */
    @Test
    void aCommandThatChangesNothingLeavesTheIndex() {
        index = 10;
        run("RPUSH", "l", "a", "b");
        index = 20;
        assertThat(rendered("LPOP", "l", "0")).isEqualTo("[]");
        assertThat(rendered("RPOP", "l", "0")).isEqualTo("[]");
        assertThat(rendered("LREM", "l", "0", "zz")).isEqualTo(":0");
        assertThat(rendered("LINSERT", "l", "BEFORE", "zz", "x")).isEqualTo(":-1");
        assertThat(rendered("LRANGE", "l", "0", "-1")).isEqualTo("['a', 'b']");
        assertThat(rendered("LPOS", "l", "a")).isEqualTo(":0");
        assertThat(rendered("LINDEX", "l", "0")).isEqualTo("'a'");
        assertThat(rendered("LLEN", "l")).isEqualTo(":2");
        assertThat(modifiedIndex("l")).isEqualTo(10);
        assertThat(rendered("LPUSHX", "nokey", "a")).isEqualTo(":0");
        assertThat(rendered("LMPOP", "1", "nokey", "LEFT")).isEqualTo("*nil");
        assertThat(rendered("RPOPLPUSH", "nokey", "l")).isEqualTo("$nil");
        assertThat(keyspace.changedSince(Arguments.bytes("nokey"), 0)).isFalse();
        assertThat(modifiedIndex("l")).isEqualTo(10);
    }

    @Test
    void aRefusedCommandChangesNothing() {
        run("RPUSH", "l", "a", "b", "c");
        run("SET", "s", "v");
        Map<String, String> before = dump();
        String[][] refused = {
            {"LPUSH", "s", "x"}, {"RPUSHX", "s", "x"}, {"LPOP", "l", "-1"}, {"RPOP", "l", "x"},
            {"LPOP", "l", "1", "2"}, {"LPOP", "s"}, {"LSET", "l", "5", "x"}, {"LSET", "l", "x", "x"},
            {"LSET", "nokey", "0", "x"}, {"LSET", "s", "0", "x"}, {"LREM", "l", "x", "a"}, {"LREM", "s", "0", "a"},
            {"LTRIM", "l", "x", "0"}, {"LTRIM", "s", "0", "0"}, {"LINSERT", "l", "UNDER", "a", "x"},
            {"LINSERT", "s", "BEFORE", "a", "x"}, {"LMOVE", "l", "s", "LEFT", "LEFT"},
            {"LMOVE", "l", "m", "LEFT", "UP"}, {"LMOVE", "s", "l", "LEFT", "LEFT"}, {"RPOPLPUSH", "l", "s"},
            {"LMPOP", "2", "s", "l", "LEFT"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "0"},
            {"LMPOP", "2", "l", "LEFT"}, {"LMPOP", "1", "l", "LEFT", "COUNT", "1", "X"},
        };
        for (String[] command : refused) {
            assertThat(run(command)).as(String.join(" ", command)).isInstanceOf(Reply.Error.class);
        }
        assertThat(dump()).isEqualTo(before);
    }

    @Test
    void anEmptiedListIsDeleted() {
        String[][] emptying = {
            {"LPOP", "l"}, {"RPOP", "l", "5"}, {"LREM", "l", "0", "a"}, {"LTRIM", "l", "1", "0"},
            {"LMOVE", "l", "other", "LEFT", "LEFT"}, {"RPOPLPUSH", "l", "other"}, {"LMPOP", "1", "l", "RIGHT"},
        };
        for (String[] command : emptying) {
            run("RPUSH", "l", "a");
            long sizeBefore = keyspace.size();
            long at = index;
            assertThat(run(command)).as(String.join(" ", command)).isNotInstanceOf(Reply.Error.class);
            assertThat(entry("l")).as(String.join(" ", command)).isNull();
            assertThat(keyspace.changedSince(Arguments.bytes("l"), at - 1)).isTrue();
            assertThat(keyspace.size()).isEqualTo(command[0].contains("MOVE") || command[0].equals("RPOPLPUSH")
                    ? sizeBefore : sizeBefore - 1);
            run("DEL", "other");
        }
    }

    @Test
    void readsRunInAReadOnlyContext() {
        run("RPUSH", "l", "a", "b", "a");
        assertThat(render(run(false, "LLEN", "l"))).isEqualTo(":3");
        assertThat(render(run(false, "LRANGE", "l", "0", "-1"))).isEqualTo("['a', 'b', 'a']");
        assertThat(render(run(false, "LINDEX", "l", "-1"))).isEqualTo("'a'");
        assertThat(render(run(false, "LPOS", "l", "a", "RANK", "-1", "COUNT", "0"))).isEqualTo("[:2, :0]");
        assertThat(render(run(false, "LPUSH", "l", "c"))).isEqualTo("-ERR 'lpush' cannot run here");
    }

    @Test
    void anExpiredListIsMissingToEveryCommand() {
        run("RPUSH", "l", "a", "b");
        run("PEXPIRE", "l", "100");
        now += 100;
        assertThat(rendered("LLEN", "l")).isEqualTo(":0");
        assertThat(rendered("LRANGE", "l", "0", "-1")).isEqualTo("[]");
        assertThat(rendered("LPOS", "l", "a")).isEqualTo("$nil");
        assertThat(rendered("LSET", "l", "0", "x")).isEqualTo("-ERR no such key");
        assertThat(rendered("LPUSHX", "l", "x")).isEqualTo(":0");
        assertThat(rendered("RPUSH", "l", "c")).isEqualTo(":1");
        assertThat(rendered("PTTL", "l")).isEqualTo(":-1");
        assertThat(rendered("LRANGE", "l", "0", "-1")).isEqualTo("['c']");
    }

    @Test
    void pushingKeepsTheTimeToLive() {
        run("RPUSH", "l", "a");
        run("PEXPIRE", "l", "1000");
        run("LPUSH", "l", "b");
        run("LTRIM", "l", "0", "0");
        assertThat(rendered("PTTL", "l")).isEqualTo(":1000");
    }

    @Test
    void elementsAreBinarySafe() {
        List<byte[]> push = List.of(Arguments.bytes("RPUSH"), Arguments.bytes("l"), new byte[] {0, (byte) 0xFF},
                new byte[0], new byte[] {0});
        CommandTable.execute(new CommandContext(keyspace, now, index++, true), push);
        List<byte[]> lpos = List.of(Arguments.bytes("LPOS"), Arguments.bytes("l"), new byte[] {0});
        assertThat(CommandTable.execute(new CommandContext(keyspace, now, index++, true), lpos))
                .isEqualTo(new Reply.Int(2));
        Reply range = run("LRANGE", "l", "0", "0");
        assertThat(((Reply.Bulk) ((Reply.Array) range).elements().getFirst()).value())
                .containsExactly(0, (byte) 0xFF);
    }

    /** A snapshot's frozen list stays as it was while commands change the live one (copy-on-write). */
    @Test
    void aFrozenListIsNeverChangedInPlace() {
        run("RPUSH", "l", "a", "b", "c");
        run("RPUSH", "m", "x");
        Keyspace.Frozen frozen = keyspace.freeze();
        run("LPUSH", "l", "z");
        run("LSET", "l", "1", "A");
        run("LMOVE", "l", "l", "RIGHT", "LEFT");
        run("LMOVE", "m", "l", "LEFT", "RIGHT");
        run("LREM", "l", "0", "b");
        assertThat(rendered("LRANGE", "l", "0", "-1")).isEqualTo("['c', 'z', 'A', 'x']");
        assertThat(contents((ListValue) frozen.keys().get(Arguments.bytes("l")))).containsExactly("a", "b", "c");
        assertThat(contents((ListValue) frozen.keys().get(Arguments.bytes("m")))).containsExactly("x");
        keyspace.thaw(frozen.freeze());
        assertThat(rendered("LRANGE", "l", "0", "-1")).isEqualTo("['c', 'z', 'A', 'x']");
        assertThat(rendered("EXISTS", "m")).isEqualTo(":0");
    }

    /** A long list through every command, against a plain model of it. */
    @Test
    void aLongListAgreesWithAModel() {
        List<String> model = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String element = Integer.toString(i % 7);
            if (i % 3 == 0) {
                run("LPUSH", "l", element);
                model.addFirst(element);
            } else {
                run("RPUSH", "l", element);
                model.addLast(element);
            }
        }
        assertThat(rendered("LINDEX", "l", "1500")).isEqualTo("'" + model.get(1500) + "'");
        assertThat(rendered("LREM", "l", "-100", "3")).isEqualTo(":100");
        for (int removed = 0, i = model.size() - 1; removed < 100; i--) {
            if (model.get(i).equals("3")) {
                model.remove(i);
                removed++;
            }
        }
        assertThat(rendered("LTRIM", "l", "100", "-101")).isEqualTo("+OK");
        model = new ArrayList<>(model.subList(100, model.size() - 100));
        assertThat(rendered("LINSERT", "l", "AFTER", "5", "new")).isEqualTo(":" + (model.size() + 1));
        model.add(model.indexOf("5") + 1, "new");
        assertThat(rendered("LPOS", "l", "new")).isEqualTo(":" + model.indexOf("new"));
        Reply all = run("LRANGE", "l", "0", "-1");
        assertThat(((Reply.Array) all).elements()).hasSize(model.size());
        assertThat(render(all)).isEqualTo(model.stream().map(e -> "'" + e + "'")
                .collect(Collectors.joining(", ", "[", "]")));
    }
}
