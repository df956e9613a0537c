using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace ChangeDesk.MessageCenter;

/// <summary>The OData query options of a Graph message list, parsed and checked.</summary>
public sealed record MessageQueryOptions(
    FilterClause? Filter, OrderByClause? OrderBy, long? Top, long? Skip, bool Count, IReadOnlyList<string>? Select)
{
    /// <summary>$filter translated once, its literals captured as query parameters.</summary>
    public Expression<Func<PostedMessage, bool>>? Predicate { get; init; }
}

/// <summary>
/// OData for the Graph-compatible Message Center: Microsoft.OData.Core parses $filter, $orderby, $top, $skip,
/// $count and $select against an EDM model of Graph's serviceUpdateMessage; the parsed tree is translated here
/// into a LINQ expression over <see cref="Message"/>, so Entity Framework runs it in the database. Every literal of the
/// query becomes a query parameter: EF Core compiles (and caches) one query per filter shape, not one per value, and
/// no value is ever spliced into SQL text. The size limits below bound what one request can make the parser, the
/// translator and the database do; each error names its limit.
/// </summary>
public static partial class MessageOData
{
    /// <summary>The longest $filter accepted, in characters (after URL decoding).</summary>
    public const int MaxFilterLength = 4096;

    /// <summary>The most nodes a $filter may have: each property, literal, operator, function and <c>in</c> list item counts one.</summary>
    public const int MaxFilterNodes = 200;

    /// <summary>
    /// The deepest nesting of a $filter: each not, function, lambda and comparison nests one level; a run of the same
    /// <c>and</c> (or <c>or</c>) is one level however long it is.
    /// </summary>
    public const int MaxFilterDepth = 12;

    /// <summary>The longest $orderby accepted, and the most sort keys.</summary>
    public const int MaxOrderByLength = 512, MaxOrderByKeys = 8;

    /// <summary>The longest $select accepted (every property listed once is about 200 characters).</summary>
    public const int MaxSelectLength = 512;

    /// <summary>The longest value of any other query option ($top, $skip, $count, $skiptoken).</summary>
    public const int MaxOtherOptionLength = 64;

    /// <summary>The longest message id a request may name (ids are MC and a number).</summary>
    public const int MaxIdLength = 64;

    public static IEdmModel Model { get; }
    static readonly EdmEntityType MessageType;
    static readonly EdmEntitySet MessageSet;

    static readonly Dictionary<string, string> Members = new(StringComparer.Ordinal)
    {
        ["id"] = nameof(Message.Id),
        ["title"] = nameof(Message.Title),
        ["category"] = nameof(Message.Category),
        ["severity"] = nameof(Message.Severity),
        ["isMajorChange"] = nameof(Message.IsMajorChange),
        ["startDateTime"] = nameof(Message.StartDateTime),
        ["endDateTime"] = nameof(Message.EndDateTime),
        ["lastModifiedDateTime"] = nameof(Message.LastModifiedDateTime),
        ["actionRequiredByDateTime"] = nameof(Message.ActionRequiredByDateTime),
        ["services"] = nameof(Message.Services),
        ["tags"] = nameof(Message.Tags),
    };

    /// <summary>Properties that $select may name (every property of the JSON shape).</summary>
    public static readonly string[] Selectable =
    [
        "id", "title", "category", "severity", "isMajorChange", "services", "tags", "startDateTime", "endDateTime", "lastModifiedDateTime",
        "actionRequiredByDateTime", "expiryDateTime", "hasAttachments", "viewPoint", "details", "body",
    ];

    static MessageOData()
    {
        var model = new EdmModel();
        MessageType = new EdmEntityType("microsoft.graph", "serviceUpdateMessage");
        MessageType.AddKeys(MessageType.AddStructuralProperty("id", EdmPrimitiveTypeKind.String, false));
        MessageType.AddStructuralProperty("title", EdmPrimitiveTypeKind.String, true);
        MessageType.AddStructuralProperty("category", EdmPrimitiveTypeKind.String, true);
        MessageType.AddStructuralProperty("severity", EdmPrimitiveTypeKind.String, true);
        MessageType.AddStructuralProperty("isMajorChange", EdmPrimitiveTypeKind.Boolean, true);
        MessageType.AddStructuralProperty("startDateTime", EdmPrimitiveTypeKind.DateTimeOffset, true);
        MessageType.AddStructuralProperty("endDateTime", EdmPrimitiveTypeKind.DateTimeOffset, true);
        MessageType.AddStructuralProperty("lastModifiedDateTime", EdmPrimitiveTypeKind.DateTimeOffset, true);
        MessageType.AddStructuralProperty("actionRequiredByDateTime", EdmPrimitiveTypeKind.DateTimeOffset, true);
        MessageType.AddStructuralProperty("expiryDateTime", EdmPrimitiveTypeKind.DateTimeOffset, true);
        MessageType.AddStructuralProperty("hasAttachments", EdmPrimitiveTypeKind.Boolean, true);
        var strings = new EdmCollectionTypeReference(new EdmCollectionType(EdmCoreModel.Instance.GetString(true)));
        MessageType.AddStructuralProperty("services", strings);
        MessageType.AddStructuralProperty("tags", strings);
        model.AddElement(MessageType);
        var container = new EdmEntityContainer("microsoft.graph", "GraphService");
        MessageSet = container.AddEntitySet("messages", MessageType);
        model.AddElement(container);
        Model = model;
    }

    /// <summary>The system query options read here; any other <c>$</c> option is refused rather than ignored.</summary>
    static readonly string[] KnownOptions = ["$filter", "$orderby", "$top", "$skip", "$count", "$select", "$search", "$expand", "$skiptoken"];

    /// <summary>Parses the query string; a malformed option throws <see cref="GraphException"/> naming the problem.</summary>
    public static MessageQueryOptions Parse(IQueryCollection query)
    {
        var options = new Dictionary<string, string>();
        if (query.Keys.FirstOrDefault(k => k.StartsWith('$') && !KnownOptions.Contains(k)) is { } unknown)
        {
            throw GraphException.InvalidRequest(
                $"The query option '{unknown}' is not supported on messages; use $filter, $orderby, $top, $skip, $count or $select.");
        }
        foreach (var name in KnownOptions)
        {
            if (query.TryGetValue(name, out var value))
            {
                options[name] = Checked(name, value.ToString(), name switch
                {
                    "$filter" => MaxFilterLength,
                    "$orderby" => MaxOrderByLength,
                    "$select" => MaxSelectLength,
                    "$search" or "$expand" => int.MaxValue, // refused below, whatever their length
                    _ => MaxOtherOptionLength,
                });
            }
        }
        if (options.ContainsKey("$expand") || options.ContainsKey("$search"))
        {
            throw GraphException.InvalidRequest("$expand and $search are not supported on messages; use $filter with contains(title,'…').");
        }
        try
        {
            var parser = new ODataQueryOptionParser(Model, MessageType, MessageSet, options)
            {
                Resolver = new ODataUriResolver { EnableCaseInsensitive = true },
            };
            var filter = parser.ParseFilter();
            var orderBy = parser.ParseOrderBy();
            var top = parser.ParseTop();
            var skip = parser.ParseSkip();
            var count = parser.ParseCount() ?? false;
            // The parser refuses a negative or non-Int64 $top or $skip ("requires a non-negative integer value"). Any Int64 is
            // valid: a $top past the page size is paged through nextLink, a $skip past the last message is an empty page.
            if (filter is not null)
            {
                CheckSize("$filter", filter.Expression, MaxFilterNodes);
            }
            var keys = 0;
            for (var clause = orderBy; clause is not null; clause = clause.ThenBy)
            {
                if (++keys > MaxOrderByKeys)
                {
                    throw GraphException.InvalidRequest($"$orderby has more than {MaxOrderByKeys} sort keys; at most {MaxOrderByKeys} are allowed.");
                }
                CheckSize("$orderby", clause.Expression, MaxFilterNodes);
            }
            IReadOnlyList<string>? select = null;
            if (options.TryGetValue("$select", out var selectText) && !string.IsNullOrWhiteSpace(selectText))
            {
                select = selectText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(s => Selectable.FirstOrDefault(p => string.Equals(p, s, StringComparison.OrdinalIgnoreCase))
                        ?? throw GraphException.InvalidRequest($"Could not find a property named '{s}' on type 'microsoft.graph.serviceUpdateMessage'."))
                    .ToList();
            }
            // Translate now so an unsupported construct is a 400, not a failure later.
            return new MessageQueryOptions(filter, orderBy, top, skip, count, select) { Predicate = filter is null ? null : Predicate(filter) };
        }
        // The parser stops at its own recursion limit (800 levels) before the checks above see the tree.
        catch (ODataException e) when (e.Message.Contains("recursion", StringComparison.OrdinalIgnoreCase))
        {
            throw GraphException.InvalidRequest($"The query is nested too deeply; at most {MaxFilterDepth} levels are allowed.");
        }
        catch (ODataException e)
        {
            throw GraphException.InvalidRequest($"Invalid OData query: {e.Message}");
        }
    }

    /// <summary>
    /// The value of a query option or of an id, refused when it is longer than <paramref name="maxLength"/> or holds a
    /// character no database column of ours can take: NUL (PostgreSQL refuses it in text, SQLite ends C strings at it)
    /// or half of a UTF-16 surrogate pair (not encodable as UTF-8).
    /// </summary>
    public static string Checked(string name, string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            throw GraphException.InvalidRequest($"{name} is {value.Length} characters long; at most {maxLength} are allowed.");
        }
        return Unstorable(value) is { } problem ? throw GraphException.InvalidRequest($"{name} contains {problem}.") : value;
    }

    /// <summary>Describes the first character of <paramref name="value"/> that no text column can hold, or null when there is none.</summary>
    public static string? Unstorable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return $"the character U+0000 (NUL) at position {i + 1}, which no message can hold; remove it";
            }
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                {
                    i++;
                    continue;
                }
                return $"half of a surrogate pair (U+{(int)c:X4}) at position {i + 1}, which is not a character; send valid UTF-8";
            }
        }
        return null;
    }

    /// <summary>Refuses a parsed $filter or $orderby expression with too many nodes or nested too deeply.</summary>
    static void CheckSize(string option, QueryNode root, int maxNodes)
    {
        var nodes = 0;
        var pending = new Stack<(QueryNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.TryPop(out var item))
        {
            var (node, depth) = item;
            if (node is ConvertNode convert)
            {
                pending.Push((convert.Source, depth));
                continue;
            }
            Count(1);
            if (depth > MaxFilterDepth)
            {
                throw GraphException.InvalidRequest($"{option} is nested more than {MaxFilterDepth} levels deep; at most {MaxFilterDepth} are allowed.");
            }
            switch (node)
            {
                case BinaryOperatorNode b:
                    // A run of one and/or operator is one level: a long list of alternatives is wide, not deep.
                    int Level(QueryNode child) =>
                        b.OperatorKind is BinaryOperatorKind.And or BinaryOperatorKind.Or && child is BinaryOperatorNode c && c.OperatorKind == b.OperatorKind
                            ? depth : depth + 1;
                    pending.Push((b.Left, Level(b.Left)));
                    pending.Push((b.Right, Level(b.Right)));
                    break;
                case UnaryOperatorNode u:
                    pending.Push((u.Operand, depth + 1));
                    break;
                case SingleValueFunctionCallNode f:
                    foreach (var parameter in f.Parameters)
                    {
                        pending.Push((parameter, depth + 1));
                    }
                    break;
                case LambdaNode l:
                    pending.Push((l.Source, depth + 1));
                    if (l.Body is not null)
                    {
                        pending.Push((l.Body, depth + 1));
                    }
                    break;
                case InNode i:
                    pending.Push((i.Left, depth + 1));
                    pending.Push((i.Right, depth + 1));
                    break;
                case CollectionConstantNode list:
                    Count(list.Collection.Count);
                    break;
            }
        }

        void Count(int more)
        {
            nodes += more;
            if (nodes > maxNodes)
            {
                throw GraphException.InvalidRequest(
                    $"{option} has more than {maxNodes} nodes (properties, values, operators, functions and list items); at most {maxNodes} are allowed.");
            }
        }
    }

    public static IQueryable<PostedMessage> ApplyFilter(IQueryable<PostedMessage> source, MessageQueryOptions options) =>
        (options.Predicate ?? (options.Filter is null ? null : Predicate(options.Filter))) is { } predicate ? source.Where(predicate) : source;

    public static IQueryable<PostedMessage> ApplyOrder(IQueryable<PostedMessage> source, MessageQueryOptions options)
    {
        IOrderedQueryable<PostedMessage>? ordered = null;
        for (var clause = options.OrderBy; clause is not null; clause = clause.ThenBy)
        {
            var parameter = Expression.Parameter(typeof(PostedMessage), "p");
            var translator = Translator.For(parameter);
            var key = translator.Parameterize(translator.Translate(clause.Expression));
            if (key.Type == typeof(List<string>))
            {
                throw GraphException.InvalidRequest("$orderby cannot sort by a collection property.");
            }
            var lambda = Expression.Lambda(key, parameter);
            var method = (ordered is null, clause.Direction == OrderByDirection.Descending) switch
            {
                (true, false) => "OrderBy",
                (true, true) => "OrderByDescending",
                (false, false) => "ThenBy",
                _ => "ThenByDescending",
            };
            var call = Expression.Call(typeof(Queryable), method, [typeof(PostedMessage), key.Type], (ordered ?? source).Expression, Expression.Quote(lambda));
            ordered = (IOrderedQueryable<PostedMessage>)source.Provider.CreateQuery<PostedMessage>(call);
        }
        // A stable order makes $skip paging deterministic. Newest first reads the (tenant, lastModifiedDateTime) index.
        return ordered is null
            ? source.OrderByDescending(p => p.Posting.LastModifiedDateTime).ThenByDescending(p => p.Message.Number)
            : ordered.ThenByDescending(p => p.Message.Number);
    }

    static Expression<Func<PostedMessage, bool>> Predicate(FilterClause filter)
    {
        var parameter = Expression.Parameter(typeof(PostedMessage), "p");
        var translator = Translator.For(parameter);
        var body = translator.Translate(filter.Expression);
        if (body.Type != typeof(bool))
        {
            throw GraphException.InvalidRequest("$filter must be a boolean expression.");
        }
        return Expression.Lambda<Func<PostedMessage, bool>>(translator.Parameterize(body), parameter);
    }
}
