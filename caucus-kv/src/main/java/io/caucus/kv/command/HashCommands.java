package io.caucus.kv.command;

import java.util.List;

/** The hash commands (to come). */
public final class HashCommands {

    private HashCommands() {
    }

    public static List<CommandSpec> commands() {
        return List.of();
    }
}
