defmodule TallyEx.Counter do
  @moduledoc """
  Holds the counts. This is the state a live upgrade must keep:
  `%{counts: %{name => count}}`.
  """
  use GenServer

  def start_link(_arg), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  @doc "Adds `n` to `name`'s count and returns the new count."
  def add(name, n), do: GenServer.call(__MODULE__, {:add, name, n})

  def get(name), do: GenServer.call(__MODULE__, {:get, name})

  @doc "All counts, sorted by name."
  def list, do: GenServer.call(__MODULE__, :list)

  @impl true
  def init([]), do: {:ok, %{counts: %{}}}

  @impl true
  def handle_call({:add, name, n}, _from, %{counts: c} = s) do
    new = Map.get(c, name, 0) + n
    {:reply, new, %{s | counts: Map.put(c, name, new)}}
  end

  def handle_call({:get, name}, _from, %{counts: c} = s),
    do: {:reply, Map.get(c, name, 0), s}

  def handle_call(:list, _from, %{counts: c} = s),
    do: {:reply, Enum.sort(c), s}

  # Called by release_handler during a relup; nothing to migrate yet.
  @impl true
  def code_change(_old_vsn, s, _extra), do: {:ok, s}
end
