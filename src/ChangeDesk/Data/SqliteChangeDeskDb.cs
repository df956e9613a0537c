using ChangeDesk.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace ChangeDesk.Data;

/// <summary>The embedded default: one SQLite file. Owns the migrations under Data/Migrations/Sqlite.</summary>
public sealed class SqliteChangeDeskDb(DbContextOptions<SqliteChangeDeskDb> options, CurrentUser user, TimeProvider clock)
    : ChangeDeskDb(options, user, clock)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        // SQLite has no date type: instants are stored as UTC ticks so they compare and sort in SQL.
        configuration.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configuration.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }
}

public sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.UtcTicks,
    v => new DateTimeOffset(v, TimeSpan.Zero));

/// <summary>Lets `dotnet ef` create migrations without starting the web host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteChangeDeskDb>
{
    public SqliteChangeDeskDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteChangeDeskDb>().UseSqlite("Data Source=design.db").Options,
            new CurrentUser(new HttpContextAccessor()), TimeProvider.System);
}
