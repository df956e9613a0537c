using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChangeDesk.Data;

/// <summary>PostgreSQL, for several app instances on one database. Owns the migrations under Data/Migrations/Postgres.</summary>
public sealed class PostgresChangeDeskDb(DbContextOptions<PostgresChangeDeskDb> options, CurrentUser user, TimeProvider clock)
    : ChangeDeskDb(options, user, clock)
{
    /// <summary>An arbitrary constant naming ChangeDesk's write lock among PostgreSQL advisory locks.</summary>
    const long WriteLock = 0x43_44_41_55_44_49_54; // "CDAUDIT"

    /// <summary>
    /// Appends to the audit chain (and numbering of messages) are serialised across instances by a transaction-scoped
    /// advisory lock, released at commit or rollback.
    /// </summary>
    public override Task LockWritesAsync(CancellationToken ct) =>
        Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [WriteLock], ct);
}

public sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresChangeDeskDb>
{
    public PostgresChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresChangeDeskDb>().UseNpgsql("Host=localhost;Database=changedesk_design").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
