using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace ChangeDesk.Data;

/// <summary>
/// Rows of one entity type inserted without the change tracker, in the columns and value conversions EF Core
/// maps for them. Used where one action writes thousands of rows (an announce to every tenant); the database
/// writes them in one prepared statement (SQLite) or one COPY (PostgreSQL) instead of a tracked entity each.
/// </summary>
public sealed class BulkTable(IEntityType entity)
{
    IReadOnlyList<BulkColumn>? columns;

    public IEntityType Entity => entity;
    public List<object> Rows { get; } = [];

    /// <summary>Every mapped column but a key the database numbers itself (an identity), which the insert leaves to it.</summary>
    public IReadOnlyList<BulkColumn> Columns => columns ??= entity.GetProperties()
        .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd))
        .Select(p => new BulkColumn(p.GetColumnName(StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema()))!, p, p.GetRelationalTypeMapping()))
        .ToList();

    public string Table(DbContext db) => db.GetService<ISqlGenerationHelper>().DelimitIdentifier(entity.GetTableName()!, entity.GetSchema());

    public string ColumnList(DbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        return string.Join(", ", Columns.Select(c => sql.DelimitIdentifier(c.Name)));
    }

    /// <summary>Inserts the rows with one prepared single-row statement, executed once per row.</summary>
    public async Task InsertAsync(DbContext db, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var parameters = new DbParameter[Columns.Count];
        for (var i = 0; i < Columns.Count; i++)
        {
            parameters[i] = Columns[i].Mapping.CreateParameter(command, $"@p{i}", null, nullable: true);
            command.Parameters.Add(parameters[i]);
        }
        command.CommandText = $"INSERT INTO {Table(db)} ({ColumnList(db)}) VALUES ({string.Join(", ", parameters.Select(p => p.ParameterName))})";
        await command.PrepareAsync(ct);
        foreach (var row in Rows)
        {
            for (var i = 0; i < Columns.Count; i++)
            {
                parameters[i].Value = Columns[i].ProviderValue(row) ?? DBNull.Value;
            }
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}

public sealed record BulkColumn(string Name, IProperty Property, RelationalTypeMapping Mapping)
{
    readonly IClrPropertyGetter getter = Property.GetGetter();

    public object? ClrValue(object row) => getter.GetClrValueUsingContainingEntity(row);

    /// <summary>The value as the database stores it, after the property's value converter.</summary>
    public object? ProviderValue(object row)
    {
        var value = ClrValue(row);
        return value is null || Mapping.Converter is not { } converter ? value : converter.ConvertToProvider(value);
    }
}
