/* The properties-panel group for what this application reads from a diagram: the documented
   `spiffworkflow:property` conventions (a list the server sends as JSON, so nothing here names a
   particular diagram), conditions and default flows on sequence flows. */
import { is, getBusinessObject } from "bpmn-js/lib/util/ModelUtil";
import {
  CheckboxEntry,
  Group,
  SelectEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextFieldEntryEdited,
} from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";

const NONE = "";

/** The business object whose properties an element's conventions live on. */
export function propertyTarget(element) {
  const bo = getBusinessObject(element);
  if (is(bo, "bpmn:Participant")) {
    return bo.processRef || null;
  }
  return bo;
}

function propertiesContainer(bo) {
  const values = (bo.extensionElements && bo.extensionElements.values) || [];
  return values.find((value) => is(value, "spiffworkflow:Properties")) || null;
}

export function readProperty(bo, name) {
  const container = propertiesContainer(bo);
  const found = container && (container.properties || []).find((p) => p.name === name);
  return found ? found.value || "" : "";
}

/** Set (or, with an empty value, remove) one spiffworkflow:property, through undoable commands. */
export function writeProperty(element, bo, name, value, modeling, bpmnFactory) {
  let extension = bo.extensionElements;
  if (!extension) {
    if (!value) {
      return;
    }
    extension = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    extension.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: extension });
  }
  let container = propertiesContainer(bo);
  if (!container) {
    if (!value) {
      return;
    }
    container = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    container.$parent = extension;
    modeling.updateModdleProperties(element, extension, {
      values: [...(extension.values || []), container],
    });
  }
  const existing = (container.properties || []).find((p) => p.name === name);
  if (existing && value) {
    modeling.updateModdleProperties(element, existing, { value });
  } else if (existing) {
    modeling.updateModdleProperties(element, container, {
      properties: container.properties.filter((p) => p !== existing),
    });
  } else if (value) {
    const property = bpmnFactory.create("spiffworkflow:Property", { name, value });
    property.$parent = container;
    modeling.updateModdleProperties(element, container, {
      properties: [...(container.properties || []), property],
    });
  }
}

function hasTimer(bo) {
  return (bo.eventDefinitions || []).some((d) => is(d, "bpmn:TimerEventDefinition"));
}

/** The conventions that apply to ELEMENT, from the server's list. */
export function conventionsFor(element, conventions) {
  const target = propertyTarget(element);
  if (!target) {
    return [];
  }
  return conventions.filter(
    (c) => c.applies_to.some((type) => is(target, type)) && (!c.timer_only || hasTimer(target))
  );
}

function fileOptions(context, convention, current) {
  const names = context.fileNames().filter(
    (name) =>
      name.startsWith(convention.prefix || "") &&
      name.endsWith(convention.suffix || "") &&
      !(convention.exclude_suffixes || []).some((suffix) => name.endsWith(suffix))
  );
  return withCurrent(names.map((name) => ({ value: name, label: name })), current, context);
}

function laneOptions(elementRegistry, current, context) {
  const names = elementRegistry
    .filter((el) => is(el, "bpmn:Lane") && el.businessObject.name)
    .map((el) => el.businessObject.name);
  const unique = [...new Set(names)].sort();
  return withCurrent(unique.map((name) => ({ value: name, label: name })), current, context);
}

function withCurrent(options, current, context) {
  const list = [{ value: NONE, label: context.texts.none }, ...options];
  if (current && !options.some((o) => o.value === current)) {
    list.push({ value: current, label: `${current} (${context.texts.missing})` });
  }
  return list;
}

function ConventionEntry(props) {
  const { element, id, convention } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const elementRegistry = useService("elementRegistry");
  const context = useService("appContext");
  const bo = propertyTarget(element);
  const getValue = () => readProperty(bo, convention.name);
  const setValue = (value) =>
    writeProperty(element, bo, convention.name, (value || "").trim(), modeling, bpmnFactory);
  const common = {
    element,
    id,
    label: convention.label,
    description: convention.help,
    getValue,
    setValue,
  };
  if (convention.kind === "boolean") {
    return (
      <CheckboxEntry
        {...common}
        getValue={() => getValue() === "true"}
        setValue={(checked) => setValue(checked ? "true" : "")}
      />
    );
  }
  if (convention.kind === "file") {
    return <SelectEntry {...common} getOptions={() => fileOptions(context, convention, getValue())} />;
  }
  if (convention.kind === "lane") {
    return <SelectEntry {...common} getOptions={() => laneOptions(elementRegistry, getValue(), context)} />;
  }
  if (convention.kind === "choice") {
    return (
      <SelectEntry {...common} getOptions={() => withCurrent(convention.options || [], getValue(), context)} />
    );
  }
  return <TextFieldEntry {...common} debounce={debounce} />;
}

function isConditional(element) {
  const bo = getBusinessObject(element);
  const source = bo.sourceRef;
  return (
    is(bo, "bpmn:SequenceFlow") &&
    source &&
    !is(source, "bpmn:ParallelGateway") &&
    !is(source, "bpmn:EventBasedGateway")
  );
}

function ConditionEntry(props) {
  const { element, id } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  const context = useService("appContext");
  const bo = getBusinessObject(element);
  const setValue = (value) => {
      const text = (value || "").trim();
      if (!text) {
        modeling.updateProperties(element, { conditionExpression: undefined });
      } else if (bo.conditionExpression) {
        modeling.updateModdleProperties(element, bo.conditionExpression, { body: text });
      } else {
        const expression = bpmnFactory.create("bpmn:FormalExpression", { body: text });
        modeling.updateProperties(element, { conditionExpression: expression });
      }
  };
  return (
    <TextFieldEntry
      element={element}
      id={id}
      label={context.texts.condition}
      description={context.texts.conditionHelp}
      debounce={debounce}
      getValue={() => (bo.conditionExpression && bo.conditionExpression.body) || ""}
      setValue={setValue}
    />
  );
}

function DefaultFlowEntry(props) {
  const { element, id } = props;
  const modeling = useService("modeling");
  const elementRegistry = useService("elementRegistry");
  const context = useService("appContext");
  const bo = getBusinessObject(element);
  const source = bo.sourceRef;
  const setValue = (checked) => {
    const shape = elementRegistry.get(source.id);
    modeling.updateProperties(shape, { default: checked ? bo : undefined });
  };
  return (
    <CheckboxEntry
      element={element}
      id={id}
      label={context.texts.defaultFlow}
      description={context.texts.defaultFlowHelp}
      getValue={() => source.default === bo}
      setValue={setValue}
    />
  );
}

export default function AppPropertiesProvider(propertiesPanel, injector) {
  this._injector = injector;
  propertiesPanel.registerProvider(400, this);
}

AppPropertiesProvider.$inject = ["propertiesPanel", "injector"];

AppPropertiesProvider.prototype.getGroups = function (element) {
  return (groups) => {
    const context = this._injector.get("appContext");
    const entries = [];
    if (isConditional(element)) {
      entries.push({ id: "lp-condition", component: ConditionEntry, isEdited: isTextFieldEntryEdited });
      const source = getBusinessObject(element).sourceRef;
      if (is(source, "bpmn:ExclusiveGateway") || is(source, "bpmn:InclusiveGateway")) {
        entries.push({ id: "lp-default", component: DefaultFlowEntry, isEdited: isCheckboxEntryEdited });
      }
    }
    for (const convention of conventionsFor(element, context.conventions)) {
      const edited =
        convention.kind === "boolean"
          ? isCheckboxEntryEdited
          : convention.kind === "text"
            ? isTextFieldEntryEdited
            : isSelectEntryEdited;
      entries.push({
        id: `lp-${convention.name}`,
        component: ConventionEntry,
        convention,
        isEdited: edited,
      });
    }
    if (entries.length) {
      const group = { id: "layanan-pengaduan", label: context.texts.groupLabel, component: Group, entries };
      const general = groups.findIndex((g) => g.id === "general");
      groups.splice(general + 1, 0, group);
    }
    return groups;
  };
};

export const appPropertiesModule = {
  __init__: ["appPropertiesProvider"],
  appPropertiesProvider: ["type", AppPropertiesProvider],
};
