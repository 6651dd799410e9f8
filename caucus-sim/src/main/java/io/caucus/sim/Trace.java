package io.caucus.sim;

import java.util.ArrayDeque;

/**
 * The last events of a run, kept in a bounded ring so that a failure can show how it came about. Details are
 * kept as objects and rendered only when a failure is reported: tracing costs little while all is well.
 */
public final class Trace {

    private record Line(long timeMicros, String node, String event, Object detail) {
    }

    private final int capacity;
    private final ArrayDeque<Line> lines;
    private long recorded;

    Trace(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(capacity);
    }

    void record(long timeMicros, Object node, String event, Object detail) {
        if (lines.size() == capacity) {
            lines.removeFirst();
        }
        lines.addLast(new Line(timeMicros, String.valueOf(node), event, detail));
        recorded++;
    }

    public long recorded() {
        return recorded;
    }

    /** The kept events, one per line: virtual time in ms, node, event, detail. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Line line : lines) {
            out.append(String.format("%10.3fms %-5s %-12s %s%n", line.timeMicros / 1000.0, line.node, line.event,
                    line.detail == null ? "" : line.detail));
        }
        return out.toString();
    }
}
