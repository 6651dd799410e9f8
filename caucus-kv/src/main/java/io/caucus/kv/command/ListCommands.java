package io.caucus.kv.command;

import java.util.List;

/** The list commands (to come). */
public final class ListCommands {

    private ListCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of();
    }
}
