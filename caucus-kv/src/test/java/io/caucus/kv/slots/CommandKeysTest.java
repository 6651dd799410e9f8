package io.caucus.kv.slots;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandSpec;
import io.caucus.kv.command.CommandTable;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Expected keys are redis-server 7.0's COMMAND GETKEYS answers; SlotsRedisIT asks it for every command. */
class CommandKeysTest {

    static List<byte[]> argv(String... args) {
        return Arrays.stream(args).map(a -> a.getBytes(UTF_8)).toList();
    }

    static List<String> keys(String... args) {
        List<byte[]> argv = argv(args);
        CommandSpec spec = CommandTable.resolve(argv);
        return CommandKeys.of(spec, argv).stream().map(k -> new String(k, UTF_8)).toList();
    }

    /** A command Caucus does not serve yet, by a spec of its name only (its keys are all counted). */
    static List<String> countedKeys(String... args) {
        List<byte[]> argv = argv(args);
        CommandSpec spec = new CommandSpec(args[0], -2, CommandSpec.Kind.READ, 0, 0, 0, null);
        return CommandKeys.of(spec, argv).stream().map(k -> new String(k, UTF_8)).toList();
    }

    @Test
    void keysAtFixedPositions() {
        assertThat(keys("GET", "a")).containsExactly("a");
        assertThat(keys("SET", "a", "1", "EX", "10")).containsExactly("a");
        assertThat(keys("DEL", "a", "b", "c")).containsExactly("a", "b", "c");
        assertThat(keys("MSET", "a", "1", "b", "2")).containsExactly("a", "b");
        assertThat(keys("MSET", "a", "1", "b", "2", "c")).containsExactly("a", "b", "c"); // as Redis finds them
        assertThat(keys("RENAME", "a", "b")).containsExactly("a", "b");
        assertThat(keys("COPY", "a", "b", "REPLACE")).containsExactly("a", "b");
        assertThat(keys("ZRANGESTORE", "d", "s", "0", "1")).containsExactly("d", "s");
        assertThat(keys("OBJECT", "ENCODING", "k")).containsExactly("k");
        assertThat(keys("WATCH", "a", "b")).containsExactly("a", "b");
    }

    @Test
    void keylessCommandsHaveNone() {
        assertThat(keys("PING")).isEmpty();
        assertThat(keys("DBSIZE")).isEmpty();
        assertThat(keys("KEYS", "*")).isEmpty();
        assertThat(keys("SCAN", "0")).isEmpty();
        assertThat(keys("OBJECT", "HELP")).isEmpty();
        assertThat(keys("CLUSTER", "KEYSLOT", "k")).isEmpty(); // its argument is not a key of the keyspace
        assertThat(keys("SCRIPT", "LOAD", "return 1")).isEmpty();
    }

    @Test
    void tooFewArgumentsNameNoKeys() {
        assertThat(keys("RENAME", "a")).isEmpty();
        CommandSpec object = CommandTable.lookup("OBJECT".getBytes(UTF_8)); // the container, not a subcommand
        assertThat(CommandKeys.of(object, argv("OBJECT", "HELP"))).isEmpty();
    }

    @Test
    void countedKeys() {
        assertThat(keys("EVAL", "return 1", "2", "a", "b", "c")).containsExactly("a", "b");
        assertThat(keys("EVALSHA_RO", "abc", "1", "a")).containsExactly("a");
        assertThat(keys("EVAL", "return 1", "0")).isEmpty();
        assertThat(keys("LMPOP", "2", "a", "b", "LEFT", "COUNT", "2")).containsExactly("a", "b");
        assertThat(keys("SINTERCARD", "2", "a", "b", "LIMIT", "1")).containsExactly("a", "b");
        assertThat(countedKeys("ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2")).containsExactly("d", "a", "b");
        assertThat(countedKeys("BLMPOP", "0", "2", "a", "b", "LEFT")).containsExactly("a", "b");
        assertThat(countedKeys("FCALL", "f", "2", "a", "b", "c")).containsExactly("a", "b");
        assertThat(countedKeys("ZINTER", "1", "a")).containsExactly("a");
    }

    @Test
    void aCountThatNamesNoKeysWithinTheArgumentsNamesNone() {
        assertThat(keys("EVAL", "x", "3", "a", "b")).isEmpty();
        assertThat(keys("EVAL", "x", "-1", "a")).isEmpty();
        assertThat(keys("EVAL", "x", "x", "a")).isEmpty();
        assertThat(keys("SINTERCARD", "5", "a", "b")).isEmpty();
        assertThat(keys("LMPOP", "0", "a", "LEFT")).isEmpty();
        assertThat(keys("SINTERCARD", "2147483648", "a")).isEmpty();
        assertThat(countedKeys("ZUNIONSTORE", "d", "0", "a")).isEmpty();
    }

    @Test
    void aCountRedisReadsLooselyCountsAsRedisCountsIt() {
        // Redis falls back to atoi when its strict reading fails: "1x", "+1", " 1" and "01" are 1; it puts a
        // destination key last then.
        for (String count : List.of("1x", "+1", " 1", "01", "1.0")) {
            assertThat(keys("SINTERCARD", count, "a")).as(count).containsExactly("a");
            assertThat(keys("EVAL", "x", count, "a")).as(count).containsExactly("a");
            assertThat(countedKeys("ZUNIONSTORE", "d", count, "a")).as(count).containsExactly("a", "d");
        }
        // Strictly read, 4294967297 is cut to a C int: 1.
        assertThat(countedKeys("ZUNIONSTORE", "d", "4294967297", "a")).containsExactly("d", "a");
        assertThat(keys("EVAL", "x", "0x1", "a")).isEmpty();
        assertThat(keys("SINTERCARD", "-0", "a")).isEmpty();
    }

    @Test
    void atoiIsGlibcs() {
        assertThat(CommandKeys.atoi("42".getBytes(UTF_8))).isEqualTo(42);
        assertThat(CommandKeys.atoi(" \t-7z".getBytes(UTF_8))).isEqualTo(-7);
        assertThat(CommandKeys.atoi("x".getBytes(UTF_8))).isZero();
        assertThat(CommandKeys.atoi("".getBytes(UTF_8))).isZero();
        assertThat(CommandKeys.atoi("4294967297".getBytes(UTF_8))).isEqualTo(1);
        assertThat(CommandKeys.atoi("99999999999999999999".getBytes(UTF_8))).isEqualTo(-1); // LONG_MAX, cut
        assertThat(CommandKeys.atoi("-99999999999999999999".getBytes(UTF_8))).isZero(); // LONG_MIN, cut
        assertThat(CommandKeys.atoi("9223372036854775807".getBytes(UTF_8))).isEqualTo(-1);
        assertThat(CommandKeys.atoi("-9223372036854775808".getBytes(UTF_8))).isZero();
    }

    /** A command added to the table later whose keys are not at fixed positions must be listed in COUNTED. */
    @Test
    void everyDataCommandWithoutKeyPositionsIsCountedOrKeyless() {
        Set<String> keyless = Set.of("DBSIZE", "FLUSHALL", "FLUSHDB", "KEYS", "RANDOMKEY", "SCAN", "OBJECT|HELP",
                "SCRIPT|EXISTS", "SCRIPT|FLUSH", "SCRIPT|LOAD");
        for (CommandSpec spec : CommandTable.all()) {
            if ((spec.kind() == CommandSpec.Kind.READ || spec.kind() == CommandSpec.Kind.WRITE)
                    && spec.firstKey() == 0) {
                assertThat(keyless.contains(spec.name()) || CommandKeys.COUNTED.containsKey(spec.name()))
                        .as(spec.name()).isTrue();
            }
        }
    }
}
