package io.caucus.kv.command;

import java.util.List;

/** The sortedset commands (to come). */
public final class SortedSetCommands {

    private SortedSetCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of();
    }
}
