using ChangeDesk.Data;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Tests.Data;

/// <summary>
/// The model and each provider's committed migrations agree: a change to an entity or its configuration without a
/// migration fails here, on every lane, before it reaches a database that would silently lack the column.
/// </summary>
public sealed class ModelSnapshotTests
{
    [Fact]
    public void TheSqliteMigrationsCoverTheModel()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a SQLite migration: run `dotnet ef migrations add` for SqliteChangeDeskDb.");
    }

    [Fact]
    public void ThePostgresMigrationsCoverTheModel()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        Assert.False(db.Database.HasPendingModelChanges(), "The model has changes without a PostgreSQL migration: run `dotnet ef migrations add` for PostgresChangeDeskDb.");
    }
}
