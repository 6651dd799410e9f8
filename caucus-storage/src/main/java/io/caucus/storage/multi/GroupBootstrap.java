package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.ConfigurationCodec;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The configuration a group's replica started from on this host, recorded the first time it starts, so that every
 * later start uses the same one whatever the embedder passes then.
 *
 * <p>Why: a group's log holds no configuration entry until its first membership change, and until then the bootstrap
 * configuration is the one in force (Raft paper §6). Were it taken from whatever the embedder passes at each start, a
 * changed definition would silently give one replica another set of voters than its peers, and two majorities that
 * do not overlap could each elect a leader. A one-group node keeps its {@code bootstrap-configuration} file for the
 * same reason.
 *
 * <p>Format: {@code <group's snapshot directory>/bootstrap-configuration}: the CRC32C of the payload (4 bytes), its
 * length (4 bytes), then {@link ConfigurationCodec}'s encoding. Written to a temporary file, forced, renamed into
 * place and the directory synced, so the name never points at a partial file; a damaged one is
 * {@link CorruptStorageException}.
 */
final class GroupBootstrap {

    static final String FILE_NAME = "bootstrap-configuration";
    private static final String TEMPORARY = FILE_NAME + ".tmp";
    private static final int HEADER_BYTES = 8;

    private GroupBootstrap() {
    }

    /** The recorded configuration in {@code directory}, or {@code proposed} recorded there durably if none is. */
    static ClusterConfiguration loadOrRecord(Disk disk, Path directory, ClusterConfiguration proposed)
            throws IOException {
        Path file = directory.resolve(FILE_NAME);
        if (disk.exists(file)) {
            return read(disk, file);
        }
        byte[] payload = ConfigurationCodec.encode(proposed);
        disk.createDirectories(directory);
        Path temporary = directory.resolve(TEMPORARY);
        try (DiskFile out = disk.create(temporary)) {
            ByteBuffer bytes = ByteBuffer.allocate(HEADER_BYTES + payload.length)
                    .putInt(checksum(payload)).putInt(payload.length).put(payload).flip();
            out.write(bytes, 0);
            out.force();
        }
        disk.rename(temporary, file);
        disk.syncDirectory(directory);
        return proposed;
    }

    private static ClusterConfiguration read(Disk disk, Path file) throws IOException {
        try (DiskFile in = disk.open(file)) {
            long size = in.size();
            if (size < HEADER_BYTES) {
                throw new CorruptStorageException(file, 0, "the recorded bootstrap configuration is " + size
                        + " bytes, shorter than its header");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            in.readFully(header, 0);
            header.flip();
            int crc = header.getInt();
            int length = header.getInt();
            if (length < 0 || length != size - HEADER_BYTES) {
                throw new CorruptStorageException(file, 4, "the recorded bootstrap configuration says " + length
                        + " bytes follow but the file holds " + (size - HEADER_BYTES));
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            in.readFully(payload, HEADER_BYTES);
            byte[] bytes = payload.array();
            if (checksum(bytes) != crc) {
                throw new CorruptStorageException(file, HEADER_BYTES, "the recorded bootstrap configuration is"
                        + " damaged (checksum mismatch)");
            }
            try {
                return ConfigurationCodec.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new CorruptStorageException(file, HEADER_BYTES, "the recorded bootstrap configuration does"
                        + " not decode: " + e.getMessage());
            }
        }
    }

    private static int checksum(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }
}
