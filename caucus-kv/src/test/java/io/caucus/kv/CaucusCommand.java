package io.caucus.kv;

import io.caucus.kv.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** A {@code caucus} command run in the test's JVM, with what it printed. */
record CaucusCommand(int exitCode, String out, String err) {

    static CaucusCommand run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        return new CaucusCommand(command.execute(args), out.toString(), err.toString());
    }
}
