using System.Data.Common;
using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChangeDesk.Notifications;

/// <summary>
/// Marks emails sent one at a time, each committed before the next email is sent: a prepared single-row UPDATE by
/// primary key on a connection of its own, so the mark costs one round trip and no query translation. Only a row
/// still leased by the claim that sent it is marked.
/// <para>
/// The commit of a mark does not wait for the disk (PostgreSQL: <c>synchronous_commit = off</c>; SQLite:
/// <c>synchronous = NORMAL</c>, on this connection only). A mark is then safe from a crash of the service, which is what
/// repeats mail; only a crash of the database server or the machine can lose the last marks, and then those emails
/// are sent again, never lost. Waiting for the disk on every email would halve the throughput.
/// </para>
/// </summary>
public sealed class SentMarks : IAsyncDisposable
{
    readonly IServiceScope scope;
    readonly ChangeDeskDb db;
    readonly bool sqlite;
    DbCommand? command;
    DbParameter id = null!, owner = null!, sentAt = null!, attempts = null!;
    RelationalTypeMapping sentAtMapping = null!;
    long? sqliteSynchronous;

    SentMarks(IServiceScope scope)
    {
        this.scope = scope;
        db = scope.ServiceProvider.GetRequiredService<ChangeDeskDb>();
        sqlite = db.Database.IsSqlite();
    }

    public static async Task<SentMarks> OpenAsync(IServiceScopeFactory scopes, CancellationToken ct)
    {
        var scope = scopes.CreateScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().ActAsSystem("email sender");
        var marks = new SentMarks(scope);
        try
        {
            await marks.PrepareAsync(ct);
            return marks;
        }
        catch
        {
            await marks.DisposeAsync();
            throw;
        }
    }

    async Task PrepareAsync(CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        if (sqlite)
        {
            await using var read = db.Database.GetDbConnection().CreateCommand();
            read.CommandText = "PRAGMA synchronous";
            sqliteSynchronous = Convert.ToInt64(await read.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        await db.Database.ExecuteSqlRawAsync(sqlite ? "PRAGMA synchronous = NORMAL" : "SET synchronous_commit = off", ct);
        var entity = db.Model.FindEntityType(typeof(OutboxMessage))!;
        RelationalTypeMapping Mapping(string property) => entity.FindProperty(property)!.GetRelationalTypeMapping();
        sentAtMapping = Mapping(nameof(OutboxMessage.SentAt));
        command = db.Database.GetDbConnection().CreateCommand();
        id = Mapping(nameof(OutboxMessage.Id)).CreateParameter(command, "@id", null, nullable: false);
        owner = Mapping(nameof(OutboxMessage.LeaseOwner)).CreateParameter(command, "@owner", null, nullable: true);
        sentAt = sentAtMapping.CreateParameter(command, "@sentAt", null, nullable: true);
        attempts = Mapping(nameof(OutboxMessage.Attempts)).CreateParameter(command, "@attempts", null, nullable: false);
        command.Parameters.AddRange(new[] { id, owner, sentAt, attempts });
        command.CommandText = """
            UPDATE "Outbox" SET "SentAt" = @sentAt, "Attempts" = @attempts, "LeaseOwner" = NULL, "LeaseUntil" = NULL
            WHERE "Id" = @id AND "LeaseOwner" = @owner
            """;
        // Bind once with values of the right types, so the statement is prepared with them.
        Bind(new OutboxMessage { Channel = "", EventType = "", Recipient = "", Body = "", DedupKey = "", LeaseOwner = "" }, DateTimeOffset.UnixEpoch);
        await command.PrepareAsync(ct);
    }

    void Bind(OutboxMessage row, DateTimeOffset now)
    {
        // EF Core stores a Guid on SQLite as upper-case text.
        id.Value = sqlite ? row.Id.ToString().ToUpperInvariant() : row.Id;
        owner.Value = row.LeaseOwner ?? (object)DBNull.Value;
        sentAt.Value = sentAtMapping.Converter is { } converter ? converter.ConvertToProvider(now) : now;
        attempts.Value = row.Attempts + 1;
    }

    /// <summary>Marks the row sent and commits; false when another sender holds it now (it was not marked).</summary>
    public async Task<bool> MarkAsync(OutboxMessage row, DateTimeOffset now)
    {
        Bind(row, now);
        return await command!.ExecuteNonQueryAsync(CancellationToken.None) == 1;
    }

    public async ValueTask DisposeAsync()
    {
        if (command is not null)
        {
            await command.DisposeAsync();
        }
        try
        {
            // The connection goes back to the pool: the next user gets the database's own durability.
            if (!sqlite)
            {
                await db.Database.ExecuteSqlRawAsync("RESET synchronous_commit");
            }
            else
            {
                await db.Database.ExecuteSqlRawAsync(sqliteSynchronous switch
                {
                    0 => "PRAGMA synchronous = OFF",
                    1 => "PRAGMA synchronous = NORMAL",
                    3 => "PRAGMA synchronous = EXTRA",
                    _ => "PRAGMA synchronous = FULL",
                });
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        scope.Dispose();
    }
}
