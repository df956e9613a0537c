using System.Globalization;
using ChangeDesk.Support;
using ChangeDesk.Web;
using CsvHelper;
using CsvHelper.Configuration;

namespace ChangeDesk.Applications;

/// <summary>
/// The catalog as CSV (RFC 4180, a header row, UTF-8): what the export writes and the import reads. Services are
/// separated by semicolons within their cell. Cells that a spreadsheet would run as a formula are escaped on export.
/// </summary>
public static class ApplicationCsv
{
    public const int MaxRows = 2_000;

    /// <summary>The columns, in order, with the input field each fills.</summary>
    static readonly (string Header, string Field)[] Columns =
    [
        ("Name", "name"), ("Vendor", "vendor"), ("Version", "version"), ("Owner", "owner"), ("Test contact", "testContact"),
        ("Criticality", "criticality"), ("Kind", "kind"), ("Services", "services"), ("Users", "users"),
    ];

    static CsvConfiguration Configuration(Action<int>? badData = null) => new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        TrimOptions = TrimOptions.Trim,
        DetectColumnCountChanges = false,
        MissingFieldFound = null,
        HeaderValidated = null,
        BadDataFound = badData is null ? null : args => badData(args.Context.Parser?.RawRow ?? 0),
    };

    public static string Write(IEnumerable<ApplicationView> apps)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using var csv = new CsvWriter(text, Configuration());
        foreach (var (header, _) in Columns)
        {
            csv.WriteField(header);
        }
        csv.NextRecord();
        foreach (var a in apps)
        {
            csv.WriteField(a.Name);
            csv.WriteField(a.Vendor ?? "");
            csv.WriteField(a.Version ?? "");
            csv.WriteField(a.Owner ?? "");
            csv.WriteField(a.TestContact ?? "");
            csv.WriteField(EnumNames.Of(a.Criticality));
            csv.WriteField(EnumNames.Of(a.Kind));
            csv.WriteField(string.Join("; ", a.Services));
            csv.WriteField(a.Users?.ToString(CultureInfo.InvariantCulture) ?? "");
            csv.NextRecord();
        }
        csv.Flush();
        return text.ToString();
    }

    /// <summary>One row of an import: its line in the file, what it says, and the columns the file has.</summary>
    public sealed record Row(int Line, ApplicationInput Input, IReadOnlySet<string> Columns);

    /// <summary>
    /// Reads every row, or reports every problem: the keys name the line and the column ("line 4, Criticality").
    /// Only the shape is checked here (header, columns, numbers); each row's values are checked as any input is.
    /// </summary>
    /// <remarks>Problems go to <paramref name="errors"/>, for the caller to add its own to before it throws them.</remarks>
    internal static List<Row> Read(TextReader reader, Errors errors)
    {
        var rows = new List<Row>();
        using var csv = new CsvReader(reader, Configuration(line => errors.Add($"line {line}", "A quote inside a cell that is not quoted: quote the whole cell and double the quotes inside it.")));
        try
        {
            if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
            {
                errors.Add("file", "The file is empty: its first line names the columns (Name, Vendor, Version, …).");
                return rows;
            }
            var positions = new Dictionary<string, int>();
            for (var i = 0; i < header.Length; i++)
            {
                var column = Columns.FirstOrDefault(c => Same(c.Header, header[i]) || Same(c.Field, header[i]));
                if (column.Header is null)
                {
                    errors.Add($"line 1, {header[i]}", $"Unknown column: the columns are {string.Join(", ", Columns.Select(c => c.Header))}.");
                }
                else if (!positions.TryAdd(column.Header, i))
                {
                    errors.Add($"line 1, {header[i]}", "This column appears twice.");
                }
            }
            if (!positions.ContainsKey("Name"))
            {
                errors.Add("line 1, Name", "The Name column is required.");
            }
            if (errors.Any)
            {
                return rows;
            }
            var present = positions.Keys.ToHashSet();
            string? Cell(string column) => positions.TryGetValue(column, out var i) ? csv.GetField(i) : null;
            while (csv.Read())
            {
                var line = csv.Parser.RawRow;
                if (csv.Parser.Record is not { } record || record.All(string.IsNullOrWhiteSpace))
                {
                    continue;
                }
                if (rows.Count == MaxRows)
                {
                    errors.Add($"line {line}", $"An import holds at most {MaxRows:N0} applications.");
                    break;
                }
                if (record.Length > header.Length)
                {
                    errors.Add($"line {line}", $"This row has {record.Length} cells for {header.Length} columns: quote cells that contain commas.");
                    continue;
                }
                int? users = null;
                if (Cell("Users") is { Length: > 0 } count)
                {
                    if (int.TryParse(count, NumberStyles.Integer | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var parsed))
                    {
                        users = parsed;
                    }
                    else
                    {
                        errors.Add($"line {line}, Users", $"'{count}' is not a whole number of users.");
                        continue;
                    }
                }
                rows.Add(new Row(line, new ApplicationInput
                {
                    Name = Cell("Name"),
                    Vendor = Cell("Vendor"),
                    Version = Cell("Version"),
                    Owner = Cell("Owner"),
                    TestContact = Cell("Test contact"),
                    Criticality = Cell("Criticality"),
                    Kind = Cell("Kind"),
                    Services = Cell("Services")?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
                    Users = users,
                }, present));
            }
        }
        catch (CsvHelperException e)
        {
            errors.Add($"line {e.Context?.Parser?.RawRow ?? 0}", "This line is not valid CSV (a quote that is not closed, or a stray quote inside a cell).");
        }
        return rows;
    }

    /// <summary>The column a field of <see cref="ApplicationInput"/> is read from, for error keys.</summary>
    public static string ColumnOf(string field) => Columns.FirstOrDefault(c => c.Field == field).Header ?? field;

    static bool Same(string a, string b) =>
        string.Equals(a.Replace(" ", "", StringComparison.Ordinal), b.Trim().Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
}
