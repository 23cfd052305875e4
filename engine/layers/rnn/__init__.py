"""Built-in recurrent layers. Each layer lives in its own module; list it in `CATEGORY`."""

from engine.layers.rnn.bidirectional import Bidirectional
from engine.layers.rnn.conv_lstm1d import ConvLSTM1D
from engine.layers.rnn.conv_lstm2d import ConvLSTM2D
from engine.layers.rnn.conv_lstm3d import ConvLSTM3D
from engine.layers.rnn.gru import GRU
from engine.layers.rnn.gru_cell import GRUCell
from engine.layers.rnn.lstm import LSTM
from engine.layers.rnn.lstm_cell import LSTMCell
from engine.layers.rnn.rnn import RNN
from engine.layers.rnn.simple_rnn import SimpleRNN
from engine.layers.rnn.simple_rnn_cell import SimpleRNNCell
from engine.layers.rnn.time_distributed import TimeDistributed

# Layer class name -> palette category. RNN and the cells are listed so saved models holding
# them load (engine.saving finds built-in classes here); a cell alone is not a graph node.
CATEGORY: dict[str, str] = {
    "RNN": "Recurrent", "SimpleRNNCell": "Recurrent", "LSTMCell": "Recurrent", "GRUCell": "Recurrent",
    "SimpleRNN": "Recurrent", "LSTM": "Recurrent", "GRU": "Recurrent", "Bidirectional": "Recurrent",
    "TimeDistributed": "Recurrent", "ConvLSTM1D": "Recurrent", "ConvLSTM2D": "Recurrent", "ConvLSTM3D": "Recurrent",
}

__all__ = ["RNN", "SimpleRNN", "SimpleRNNCell", "LSTM", "LSTMCell", "GRU", "GRUCell", "Bidirectional",
           "TimeDistributed", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
