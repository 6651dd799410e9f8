package io.caucus.kv.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.KeyEntry;
import io.caucus.kv.state.Keyspace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A keyspace that runs commands as the state machine would, each at the next log index, for command tests.
 *
 * <p>{@link #script} checks a transcript of {@code command  =>  reply} lines, the reply written as
 * {@link #render} writes it; the transcripts of the tests were checked line by line against redis-server 7.0
 * (started on a spare port with {@code --save ''}, each transcript after a FLUSHALL). A read command runs in a
 * read-only context, so a read that tried to change something would fail.
 */
final class ScriptedKeyspace {

    static final long START_MILLIS = 1_700_000_000_000L;

    final Keyspace keyspace = new Keyspace();
    private long index = 1;
    private long nowMillis = START_MILLIS;

    /** The index the next command will run at. */
    long nextIndex() {
        return index;
    }

    void advanceMillis(long millis) {
        nowMillis += millis;
    }

    Reply run(String... argv) {
        return run(List.of(argv));
    }

    Reply run(List<String> argv) {
        List<byte[]> args = argv.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        CommandSpec spec = CommandTable.lookup(args.getFirst());
        boolean writable = spec == null || spec.isWrite();
        return CommandTable.execute(new CommandContext(keyspace, nowMillis, index++, writable), args);
    }

    /** The reply, rendered. */
    String show(String... argv) {
        return render(run(argv));
    }

    /** The elements of an array reply (bulk strings), rendered. */
    List<String> elements(String... argv) {
        Reply reply = run(argv);
        assertThat(reply).as(String.join(" ", argv)).isInstanceOf(Reply.Array.class);
        return ((Reply.Array) reply).elements().stream().map(ScriptedKeyspace::render).toList();
    }

    KeyEntry entry(String key) {
        return keyspace.lookup(key.getBytes(StandardCharsets.UTF_8), nowMillis);
    }

    /** Runs each {@code command  =>  reply} line of the transcript and checks the reply. */
    void script(String transcript) {
        for (String line : transcript.strip().split("\n")) {
            int arrow = line.indexOf("  =>  ");
            assertThat(arrow).as("transcript line %s", line).isPositive();
            List<String> argv = words(line.substring(0, arrow));
            assertThat(render(run(argv))).as(line).isEqualTo(line.substring(arrow + 6).strip());
        }
    }

    /** Splits a command line on spaces; "double quotes" keep spaces and may be empty. */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (char ch : line.strip().toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
                word = word == null ? new StringBuilder() : word;
            } else if (ch == ' ' && !quoted) {
                if (word != null) {
                    words.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(ch);
            }
        }
        if (word != null) {
            words.add(word.toString());
        }
        return words;
    }

    /**
     * A reply as one line: {@code +status}, {@code -ERR error}, {@code :integer}, a bulk string as its text,
     * {@code (nil)}, {@code (nilarray)}, an array as {@code [a, b]}.
     */
    static String render(Reply reply) {
        return switch (reply) {
            case Reply.Status status -> "+" + status.text();
            case Reply.Error error -> "-" + error.line();
            case Reply.Int number -> ":" + number.value();
            case Reply.Bulk bulk -> new String(bulk.value(), StandardCharsets.UTF_8);
            case Reply.Nil ignored -> "(nil)";
            case Reply.NullArray ignored -> "(nilarray)";
            case Reply.Array array -> array.elements().stream().map(ScriptedKeyspace::render)
                    .collect(Collectors.joining(", ", "[", "]"));
        };
    }
}
