package io.caucus.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file-system operation storage performs, and nothing more, so that a simulated disk can stand in for
 * the real one ({@link RealDisk}, {@link SimulatedDisk}).
 *
 * <p>Durability model (what callers may rely on, and what {@link SimulatedDisk} enforces): bytes written to a
 * file are durable only after {@link DiskFile#force()} on it; the creation, rename or deletion of a directory
 * entry is durable only after {@link #syncDirectory(Path)} on the directory that holds it. Until then a crash
 * may undo any of them.
 *
 * <p>Implementations must allow {@link DiskFile#force()} to run on one thread while another writes to the
 * same or another file.
 */
public interface Disk {

    /** Creates {@code file} empty (replacing any file of that name) and opens it for reading and writing. */
    DiskFile create(Path file) throws IOException;

    /** Opens an existing file for reading and writing. */
    DiskFile open(Path file) throws IOException;

    boolean exists(Path path) throws IOException;

    /** Creates the directory and its missing parents; durable only after syncing each parent. */
    void createDirectories(Path directory) throws IOException;

    /** The names (not paths) of the regular files directly inside {@code directory}, in no particular order. */
    List<String> list(Path directory) throws IOException;

    /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
    void rename(Path from, Path to) throws IOException;

    /** Deletes the file if it exists. */
    void delete(Path file) throws IOException;

    /** Makes every creation, rename and deletion inside {@code directory} durable. */
    void syncDirectory(Path directory) throws IOException;

    /**
     * Takes an exclusive lock on {@code file} (creating it if needed), held until the returned handle is closed
     * or the process dies, so that two servers never write one directory.
     *
     * @throws IOException if someone else holds it
     */
    java.io.Closeable lock(Path file) throws IOException;
}
