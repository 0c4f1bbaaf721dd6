//! The cycles among a crate's module dependencies, written out for a reader who must break them.
//!
//! Every module on a cycle belongs to a strongly connected component of the dependency graph;
//! for each edge inside a component, the shortest way back closes one cycle. Listing one cycle
//! per such edge (without repeats) names every dependency that takes part in a loop, each with
//! the line that makes it.
//!
//! A folder is a module too: when a file of `reports/` uses `sync/`, `reports` depends on
//! `sync`, whichever files are involved. So each dependency also counts between the two sibling
//! modules that contain its ends (below the deepest module containing both), and a loop between
//! folders is a cycle even when no two files use each other.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use super::graph::{Evidence, dependencies};
use super::modules::{Crate, ModuleId};

/// Each cycle between the modules of `krate`, written as `crate::a -> crate::b -> crate::a`
/// followed by the file and line of each step, files shown relative to `base`.
pub(crate) fn cycles(krate: &Crate, base: &Path) -> Vec<String> {
    let edges = with_enclosing_siblings(krate, dependencies(krate));
    let mut successors: Vec<Vec<ModuleId>> = vec![Vec::new(); krate.modules.len()];
    for &(from, to) in edges.keys() {
        successors[from].push(to);
    }
    let mut found = BTreeSet::new();
    for component in components(&successors) {
        if component.len() < 2 {
            continue;
        }
        for &from in &component {
            for &to in successors[from].iter().filter(|to| component.contains(to)) {
                if let Some(back) = shortest_path(&successors, &component, to, from) {
                    let mut cycle = vec![from];
                    cycle.extend(&back[..back.len() - 1]);
                    found.insert(rotated_to_smallest(cycle));
                }
            }
        }
    }
    found
        .into_iter()
        .map(|cycle| describe(krate, &edges, &cycle, base))
        .collect()
}

fn describe(
    krate: &Crate,
    edges: &BTreeMap<(ModuleId, ModuleId), Evidence>,
    cycle: &[ModuleId],
    base: &Path,
) -> String {
    let closed: Vec<ModuleId> = cycle.iter().chain(cycle.first()).copied().collect();
    let names: Vec<String> = closed.iter().map(|&id| krate.modules[id].name()).collect();
    let mut text = names.join(" -> ");
    for step in closed.windows(2) {
        if let Some(evidence) = edges.get(&(step[0], step[1])) {
            let module = &krate.modules[evidence.by];
            let file = module.file.strip_prefix(base).unwrap_or(&module.file);
            text.push_str(&format!(
                "\n    {}:{} uses {}",
                file.display(),
                evidence.line,
                evidence.path
            ));
        }
    }
    text
}

/// `edges`, plus for each edge `a -> b` the edge between the two different children of the
/// deepest module containing both `a` and `b` that contain `a` and `b` (`crate::reports ->
/// crate::sync` for `crate::reports::outbox -> crate::sync::wire`), with the same evidence. An
/// edge between a module and one of its own descendants or ancestors adds nothing.
fn with_enclosing_siblings(
    krate: &Crate,
    edges: BTreeMap<(ModuleId, ModuleId), Evidence>,
) -> BTreeMap<(ModuleId, ModuleId), Evidence> {
    let lineage = |mut module: ModuleId| {
        let mut chain = vec![module];
        while let Some(parent) = krate.modules[module].parent {
            chain.push(parent);
            module = parent;
        }
        chain.reverse();
        chain
    };
    let mut lifted = Vec::new();
    for (&(from, to), evidence) in &edges {
        let (from_chain, to_chain) = (lineage(from), lineage(to));
        let shared = from_chain
            .iter()
            .zip(&to_chain)
            .take_while(|(a, b)| a == b)
            .count();
        if let (Some(&outer_from), Some(&outer_to)) = (from_chain.get(shared), to_chain.get(shared))
            && (outer_from, outer_to) != (from, to)
        {
            lifted.push((
                outer_from,
                outer_to,
                evidence.by,
                evidence.line,
                evidence.path.clone(),
            ));
        }
    }
    let mut all = edges;
    for (from, to, by, line, path) in lifted {
        all.entry((from, to)).or_insert(Evidence { by, line, path });
    }
    all
}

/// The same cycle always starts at its smallest module, so that each is listed once.
fn rotated_to_smallest(mut cycle: Vec<ModuleId>) -> Vec<ModuleId> {
    if let Some(start) = (0..cycle.len()).min_by_key(|&at| cycle[at]) {
        cycle.rotate_left(start);
    }
    cycle
}

/// The modules from `start` to `end` (both included) along the fewest edges inside `component`.
fn shortest_path(
    successors: &[Vec<ModuleId>],
    component: &BTreeSet<ModuleId>,
    start: ModuleId,
    end: ModuleId,
) -> Option<Vec<ModuleId>> {
    let mut came_from = BTreeMap::from([(start, start)]);
    let mut queue = VecDeque::from([start]);
    while let Some(module) = queue.pop_front() {
        if module == end {
            let mut path = vec![end];
            let mut at = end;
            while at != start {
                at = came_from[&at];
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        for &next in successors[module]
            .iter()
            .filter(|next| component.contains(next))
        {
            if let Entry::Vacant(unseen) = came_from.entry(next) {
                unseen.insert(module);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The strongly connected components of the graph (Tarjan's algorithm).
fn components(successors: &[Vec<ModuleId>]) -> Vec<BTreeSet<ModuleId>> {
    struct Search<'a> {
        successors: &'a [Vec<ModuleId>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<ModuleId>,
        next_index: usize,
        components: Vec<BTreeSet<ModuleId>>,
    }

    impl Search<'_> {
        fn visit(&mut self, module: ModuleId) {
            self.index[module] = Some(self.next_index);
            self.low[module] = self.next_index;
            self.next_index += 1;
            self.stack.push(module);
            self.on_stack[module] = true;
            for &next in self.successors[module].iter() {
                match self.index[next] {
                    None => {
                        self.visit(next);
                        self.low[module] = self.low[module].min(self.low[next]);
                    }
                    Some(index) if self.on_stack[next] => {
                        self.low[module] = self.low[module].min(index);
                    }
                    Some(_) => {}
                }
            }
            if Some(self.low[module]) == self.index[module] {
                let mut component = BTreeSet::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack[member] = false;
                    component.insert(member);
                    if member == module {
                        break;
                    }
                }
                self.components.push(component);
            }
        }
    }

    let count = successors.len();
    let mut search = Search {
        successors,
        index: vec![None; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        next_index: 0,
        components: Vec::new(),
    };
    for module in 0..count {
        if search.index[module].is_none() {
            search.visit(module);
        }
    }
    search.components
}
