using System.Linq.Expressions;
using System.Reflection;
using Microsoft.OData;
using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;

namespace ChangeDesk.MessageCenter;

/// <summary>The OData query options of a Graph message list, parsed and checked.</summary>
public sealed record MessageQueryOptions(
    FilterClause? Filter, OrderByClause? OrderBy, long? Top, long? Skip, bool Count, IReadOnlyList<string>? Select);

/// <summary>
/// OData for the Graph-compatible Message Center: Microsoft.OData.Core parses $filter, $orderby, $top, $skip,
/// $count and $select against an EDM model of Graph's serviceUpdateMessage; the parsed tree is translated here
/// into a LINQ expression over <see cref="Message"/>, so Entity Framework runs it in the database.
/// </summary>
public static class MessageOData
{
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
                options[name] = value.ToString();
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
            if (top is < 0 || skip is < 0)
            {
                throw GraphException.InvalidRequest("$top and $skip must not be negative.");
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
            if (filter is not null)
            {
                _ = Predicate(filter);
            }
            return new MessageQueryOptions(filter, orderBy, top, skip, count, select);
        }
        catch (ODataException e)
        {
            throw GraphException.InvalidRequest($"Invalid OData query: {e.Message}");
        }
    }

    public static IQueryable<PostedMessage> ApplyFilter(IQueryable<PostedMessage> source, MessageQueryOptions options) =>
        options.Filter is null ? source : source.Where(Predicate(options.Filter));

    public static IQueryable<PostedMessage> ApplyOrder(IQueryable<PostedMessage> source, MessageQueryOptions options)
    {
        IOrderedQueryable<PostedMessage>? ordered = null;
        for (var clause = options.OrderBy; clause is not null; clause = clause.ThenBy)
        {
            var parameter = Expression.Parameter(typeof(PostedMessage), "p");
            var key = Translator.For(parameter).Translate(clause.Expression);
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
        var body = Translator.For(parameter).Translate(filter.Expression);
        if (body.Type != typeof(bool))
        {
            throw GraphException.InvalidRequest("$filter must be a boolean expression.");
        }
        return Expression.Lambda<Func<PostedMessage, bool>>(body, parameter);
    }

    /// <summary>
    /// Translates over a posted message: message properties, except the modification time, which is read from the posting's
    /// copy (the same value) so filters and sorts on it use the (tenant, lastModifiedDateTime) index.
    /// </summary>
    sealed class Translator(Expression message, Expression lastModified)
    {
        readonly Dictionary<string, ParameterExpression> lambdas = [];

        public static Translator For(ParameterExpression posted) =>
            new(Expression.Property(posted, nameof(PostedMessage.Message)),
                Expression.Property(Expression.Property(posted, nameof(PostedMessage.Posting)), nameof(MessageTenant.LastModifiedDateTime)));

        static readonly MethodInfo StringContains = typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!;
        static readonly MethodInfo StringStartsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
        static readonly MethodInfo StringEndsWith = typeof(string).GetMethod(nameof(string.EndsWith), [typeof(string)])!;
        static readonly MethodInfo StringToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;
        static readonly MethodInfo StringToUpper = typeof(string).GetMethod(nameof(string.ToUpper), Type.EmptyTypes)!;
        static readonly MethodInfo StringCompare = typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!;

        public Expression Translate(QueryNode node) => node switch
        {
            BinaryOperatorNode b => Binary(b),
            UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } u => Expression.Not(AsBool(Translate(u.Operand))),
            ConvertNode c => Translate(c.Source),
            ConstantNode c => Expression.Constant(c.Value),
            SingleValuePropertyAccessNode p => Member(p.Property.Name),
            CollectionPropertyAccessNode p => Member(p.Property.Name),
            SingleValueFunctionCallNode f => Function(f),
            AnyNode a => Lambda(a.Source, a.CurrentRangeVariable, a.Body, nameof(Enumerable.Any)),
            AllNode a => Lambda(a.Source, a.CurrentRangeVariable, a.Body, nameof(Enumerable.All)),
            NonResourceRangeVariableReferenceNode r when lambdas.TryGetValue(r.RangeVariable.Name, out var p) => p,
            InNode i => In(i),
            _ => throw GraphException.InvalidRequest($"The query uses '{node.Kind}', which is not supported on messages."),
        };

        Expression Member(string name) =>
            !Members.TryGetValue(name, out var member) ? throw GraphException.InvalidRequest($"Filtering or sorting by '{name}' is not supported.")
            : member == nameof(Message.LastModifiedDateTime) ? lastModified
            : Expression.Property(message, member);

        static Expression AsBool(Expression e) => e.Type == typeof(bool?) ? Expression.Equal(e, Expression.Constant(true, typeof(bool?))) : e;

        Expression Binary(BinaryOperatorNode node)
        {
            var left = Translate(node.Left);
            var right = Translate(node.Right);
            if (node.OperatorKind is BinaryOperatorKind.And or BinaryOperatorKind.Or)
            {
                return node.OperatorKind == BinaryOperatorKind.And
                    ? Expression.AndAlso(AsBool(left), AsBool(right))
                    : Expression.OrElse(AsBool(left), AsBool(right));
            }
            (left, right) = Coerce(left, right);
            if (left.Type == typeof(string) && node.OperatorKind is not (BinaryOperatorKind.Equal or BinaryOperatorKind.NotEqual))
            {
                left = Expression.Call(StringCompare, left, right);
                right = Expression.Constant(0);
            }
            return node.OperatorKind switch
            {
                BinaryOperatorKind.Equal => Expression.Equal(left, right),
                BinaryOperatorKind.NotEqual => Expression.NotEqual(left, right),
                BinaryOperatorKind.GreaterThan => Expression.GreaterThan(left, right),
                BinaryOperatorKind.GreaterThanOrEqual => Expression.GreaterThanOrEqual(left, right),
                BinaryOperatorKind.LessThan => Expression.LessThan(left, right),
                BinaryOperatorKind.LessThanOrEqual => Expression.LessThanOrEqual(left, right),
                _ => throw GraphException.InvalidRequest($"The operator '{node.OperatorKind}' is not supported on messages."),
            };
        }

        /// <summary>Gives both sides one type: a null literal or a non-nullable side becomes nullable as needed.</summary>
        static (Expression, Expression) Coerce(Expression left, Expression right)
        {
            if (left.Type == right.Type)
            {
                return (left, right);
            }
            if (left is ConstantExpression { Value: null })
            {
                return (Expression.Constant(null, Nullable(right.Type)), right.Type.IsValueType ? Expression.Convert(right, Nullable(right.Type)) : right);
            }
            if (right is ConstantExpression { Value: null })
            {
                return (left.Type.IsValueType ? Expression.Convert(left, Nullable(left.Type)) : left, Expression.Constant(null, Nullable(left.Type)));
            }
            var target = System.Nullable.GetUnderlyingType(left.Type) == right.Type ? left.Type
                : System.Nullable.GetUnderlyingType(right.Type) == left.Type ? right.Type
                : left.Type;
            return (Convert(left, target), Convert(right, target));
        }

        static Type Nullable(Type t) => t.IsValueType && System.Nullable.GetUnderlyingType(t) is null ? typeof(Nullable<>).MakeGenericType(t) : t;

        static Expression Convert(Expression e, Type target)
        {
            if (e.Type == target)
            {
                return e;
            }
            if (e is ConstantExpression c)
            {
                var underlying = System.Nullable.GetUnderlyingType(target) ?? target;
                try
                {
#pragma warning disable CS0618 // ODL 8 still parses date literals (2026-03-01) as Edm.Date
                    var value = c.Value switch
                    {
                        Date d when underlying == typeof(DateTimeOffset) => new DateTimeOffset(d.Year, d.Month, d.Day, 0, 0, 0, TimeSpan.Zero),
                        _ => System.Convert.ChangeType(c.Value, underlying, System.Globalization.CultureInfo.InvariantCulture),
                    };
#pragma warning restore CS0618
                    return Expression.Constant(value, target);
                }
                catch (Exception ex) when (ex is InvalidCastException or FormatException)
                {
                    throw GraphException.InvalidRequest($"The value '{c.Value}' cannot be compared with a {Describe(underlying)} property.");
                }
            }
            try
            {
                return Expression.Convert(e, target);
            }
            catch (InvalidOperationException)
            {
                throw GraphException.InvalidRequest($"A {Describe(e.Type)} cannot be compared with a {Describe(target)}.");
            }
        }

        static string Describe(Type t) => (System.Nullable.GetUnderlyingType(t) ?? t) switch
        {
            var x when x == typeof(string) => "text",
            var x when x == typeof(bool) => "boolean",
            var x when x == typeof(DateTimeOffset) => "date-time",
            var x => x.Name,
        };

        Expression Function(SingleValueFunctionCallNode node)
        {
            var args = node.Parameters.Select(Translate).ToList();
            Expression Text(int i) => args[i].Type == typeof(string)
                ? args[i]
                : throw GraphException.InvalidRequest($"{node.Name}() takes text arguments.");
            return (node.Name.ToLowerInvariant(), args.Count) switch
            {
                ("contains", 2) => Expression.Call(Text(0), StringContains, Text(1)),
                ("startswith", 2) => Expression.Call(Text(0), StringStartsWith, Text(1)),
                ("endswith", 2) => Expression.Call(Text(0), StringEndsWith, Text(1)),
                ("tolower", 1) => Expression.Call(Text(0), StringToLower),
                ("toupper", 1) => Expression.Call(Text(0), StringToUpper),
                _ => throw GraphException.InvalidRequest($"The function '{node.Name}' is not supported on messages; use contains, startswith, endswith, tolower or toupper."),
            };
        }

        Expression Lambda(CollectionNode source, RangeVariable variable, SingleValueNode body, string method)
        {
            var collection = Translate(source);
            if (collection.Type != typeof(List<string>))
            {
                throw GraphException.InvalidRequest($"{method.ToLowerInvariant()}() works on services and tags.");
            }
            if (variable is null)
            {
                // any() without a lambda (OData 4): the collection is not empty.
                return Expression.Call(typeof(Enumerable), nameof(Enumerable.Any), [typeof(string)], collection);
            }
            var item = Expression.Parameter(typeof(string), variable.Name);
            lambdas[variable.Name] = item;
            var predicate = Expression.Lambda<Func<string, bool>>(AsBool(Translate(body)), item);
            lambdas.Remove(variable.Name);
            return Expression.Call(typeof(Enumerable), method, [typeof(string)], collection, predicate);
        }

        Expression In(InNode node)
        {
            var left = Translate(node.Left);
            if (node.Right is not CollectionConstantNode list)
            {
                throw GraphException.InvalidRequest("in takes a list of values, e.g. id in ('MC100001','MC100002').");
            }
            var values = list.Collection.Select(c => Convert(Expression.Constant(c.Value), left.Type)).Cast<ConstantExpression>().Select(c => c.Value).ToList();
            var typed = Array.CreateInstance(left.Type, values.Count);
            for (var i = 0; i < values.Count; i++)
            {
                typed.SetValue(values[i], i);
            }
            return Expression.Call(typeof(Enumerable), nameof(Enumerable.Contains), [left.Type], Expression.Constant(typed), left);
        }
    }
}
